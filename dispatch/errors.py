"""Domain errors: raised by the operations, turned into clear answers by each channel."""


class DomainError(Exception):
    """Something the user asked for that the rules do not allow. ``status`` is the HTTP code."""

    status = 400

    def __init__(self, message: str, **details):
        super().__init__(message)
        self.message = message
        self.details = details


class NotFound(DomainError):
    status = 404


class TransitionError(DomainError):
    """A state change the lifecycle does not allow from the order's current state."""

    status = 409


class ConflictError(DomainError):
    """Somebody else changed the record since it was read (optimistic locking)."""

    status = 409
