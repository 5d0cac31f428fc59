"""Documentation entered without signal and sent later by the nurse's phone.

The page keeps such an entry on the phone (IndexedDB, static/rounds.js) with the moment it
was entered and a random Idempotency-Key, and posts the same form when the connection comes
back, with the headers below. The server stays the only judge: the entry runs through the
same form and operation as a live one. What this module adds:

- the key: claimed in the entry's own transaction (the idempotency_keys table the API uses),
  so a retry after a lost answer, or two tabs sending at once, records it exactly once;
- the delay: the moment the entry was entered on the phone must lie within
  OFFLINE_MAX_AGE before now (and not ahead of the server by more than FUTURE_TOLERANCE);
  the delay is written to the audit log with the entry;
- answers in JSON (saved / refused with the messages / log in again), which the phone
  shows; a refused entry stays on the phone as a conflict until the nurse acts on it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import jsonify, request
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from scheduler.operations import audit, idempotency
from scheduler.operations.documentation import FUTURE_TOLERANCE, DocumentationError

# An entry older than this is not replayed: the visit's day is over and a late entry belongs
# in an amendment, written knowingly. Matches the operations' earliest documentation time
# (12 hours before the booked start).
OFFLINE_MAX_AGE = timedelta(hours=12)
REPLAY_HEADER = "X-Offline-Entry"
ENTERED_HEADER = "X-Entered-At"


def is_replay() -> bool:
    return request.headers.get(REPLAY_HEADER) == "1"


def answer(status: int, *, saved: bool, message: str = "", errors: dict | None = None, **extra):
    return jsonify(saved=saved, message=message, errors=errors or {}, **extra), status


def entered_at(now: datetime) -> datetime:
    """The moment the entry was entered on the phone, checked against the stated limits."""
    try:
        moment = datetime.fromisoformat(request.headers.get(ENTERED_HEADER, "").replace("Z", "+00:00"))
    except ValueError:
        raise DocumentationError("This entry has no time of entry; enter it again.") from None
    if moment.tzinfo is None:
        raise DocumentationError("This entry's time of entry has no time zone; enter it again.")
    if moment > now + FUTURE_TOLERANCE:
        raise DocumentationError("This phone's clock is ahead of the server's; check the phone's time and enter it again.")
    if moment < now - OFFLINE_MAX_AGE:
        hours = int(OFFLINE_MAX_AGE.total_seconds() // 3600)
        raise DocumentationError(f"This entry was made more than {hours} hours ago; add it to the record as an amendment.")
    return moment


def claim(db, now: datetime):
    """(row, None) when the key is new and now claimed in this transaction; (None, response)
    when it was used before (the first answer again) or is being used right now."""
    key = request.headers.get("Idempotency-Key", "")
    if not 1 <= len(key) <= idempotency.MAX_KEY_LENGTH:
        return None, answer(422, saved=False, message="This entry has no valid key; enter it again.")
    body = sorted((k, v) for k, v in request.form.items(multi=True) if not k.endswith("csrf_token"))
    print_ = idempotency.fingerprint("POST", request.path, body)
    try:
        first = idempotency.stored_answer(db, current_user.id, key, print_)
        if first is None:
            return idempotency.claim(db, current_user.id, key, print_, now=now), None
    except idempotency.KeyReused as exc:
        return None, answer(422, saved=False, message=str(exc))
    except IntegrityError:  # the same entry is being sent from another tab right now
        db.rollback()
        first = None
    if first is None or first.response_status == 0:
        return None, answer(409, saved=False, message="This entry is being sent; it will be checked again shortly.")
    return None, answer(200, saved=True, duplicate=True, **first.response_body)


def remember(db, row, visit, step: str, message: str, moment: datetime, now: datetime) -> None:
    idempotency.remember(db, row, 200, {"message": message})
    audit.record(db, actor=current_user._get_current_object(), action="offline_entry", object_type="visit",
                 object_id=visit.id, patient_id=visit.patient_id, now=now,
                 details={"step": step, "entered_at": moment.isoformat(),
                          "delay_s": str(int((now - moment).total_seconds()))})
