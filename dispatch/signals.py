"""Cross-package reactions, declared in one place.

Each signal is sent inside the transaction of the change that causes it, so a receiver's writes
(a milestone met, an SMS in the outbox) commit or roll back together with the change.

- ``order_transitioned(order, event=Event)`` — a work order changed state through the lifecycle.
  Receivers: the deadline engine (milestones met, pauses), the console's live feed.
- ``order_event(order, event=Event)`` — any timeline event, transitions included.
- ``outbox_failed(message)`` — an outbound SMS was given up (refused, undelivered, out of
  attempts). Receivers: assignment (move to the next technician), the dispatcher's alerts.
- ``outbox_queued(message)`` — a message was written to the outbox (wakes a worker in-process).
- ``deadline_warning(order, milestone=Milestone)`` — a milestone reached its warning time (sent
  once per milestone by the deadline engine, which sends no SMS itself). Receivers: assignment's
  notices (the technician and the owner, else the supervisor on duty), each returning the list
  of people told (``{"technician_id": …}`` / ``{"user_id": …}``) for the timeline.
- ``deadline_breached(order, milestone=Milestone)`` — a milestone passed its due time unmet.
  Receivers: assignment's notices (the supervisor on duty), returning whom they told.
- ``deadline_set_by_hand(order, milestone=str, due_at=datetime, text=str, language=str)`` — a
  dispatcher set a deadline with an explanation for the reporter (``text``, already checked to
  fit an SMS). Receivers: assignment's notices (the reporter, when the number takes SMS).
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
deadline_warning = _signals.signal("deadline-warning")
deadline_breached = _signals.signal("deadline-breached")
deadline_set_by_hand = _signals.signal("deadline-set-by-hand")
report_submitted = _signals.signal("report-submitted")
report_approved = _signals.signal("report-approved")
report_voided = _signals.signal("report-voided")
