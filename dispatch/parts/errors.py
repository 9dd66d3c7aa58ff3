"""Refusals of the ledger: each says what is wrong; nothing has been written when one is raised."""

from dispatch.errors import DomainError


class PartsError(DomainError):
    status = 422


class NotEnoughStock(PartsError):
    status = 409


class MonthClosed(PartsError):
    status = 409


class UnknownPart(PartsError):
    """A part number nobody knows; ``details["suggestions"]`` holds the nearest ones."""

    status = 404


class NotAllowed(PartsError):
    """The user's role or organisation does not allow this."""

    status = 403
