"""Cross-package reactions, declared in one place.

Each signal is sent inside the transaction of the change that causes it, so a receiver's writes
(a milestone met, an SMS in the outbox) commit or roll back together with the change.

- ``order_transitioned(order, event=Event)`` — a work order changed state through the lifecycle.
  Receivers: the deadline engine (milestones met, pauses), the console's live feed.
- ``order_event(order, event=Event)`` — any timeline event, transitions included.
- ``outbox_failed(message)`` — an outbound SMS was given up (refused, undelivered, out of
  attempts). Receivers: assignment (move to the next technician), the dispatcher's alerts.
- ``outbox_queued(message)`` — a message was written to the outbox (wakes a worker in-process).
- ``report_submitted(report)`` — a service report became complete: its content and part lines are
  final for this revision. Receivers: parts (book the consumption van → customer).
- ``report_approved(report)`` — a supervisor approved a service report (signed first where its
  type requires a signature; a refusal to sign is approved only by a supervisor's decision).
  Receivers: parts (write-offs rest on it).
- ``report_voided(report)`` — a report revision was voided by a correction, or returned by a
  supervisor; a new revision follows. Receivers: parts (reverse the consumption booked).
"""

from blinker import Namespace

_signals = Namespace()

order_transitioned = _signals.signal("order-transitioned")
order_event = _signals.signal("order-event")
outbox_failed = _signals.signal("outbox-failed")
outbox_queued = _signals.signal("outbox-queued")
report_submitted = _signals.signal("report-submitted")
report_approved = _signals.signal("report-approved")
report_voided = _signals.signal("report-voided")
