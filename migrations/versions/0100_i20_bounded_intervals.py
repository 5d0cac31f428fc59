"""Visits last less than a day, so interval lookups read a window, not the years before it.

"Visits overlapping [start, end)" was `starts_at < end AND ends_at > start`: on an index
leading with starts_at only the upper end bounds the scan, so it read every earlier visit
(the SQLite overlap triggers of 0003 did the same on every insert: filling 158,000 visits
took 493 s). With every visit shorter than MAX_VISIT_HOURS the lower end is bounded too:
an overlapping visit starts after `start - MAX_VISIT_HOURS` (scheduler/models/visits.py,
`overlapping`).

- Both backends: the duration bound itself, which the lookups rely on. PostgreSQL: a
  CHECK constraint. SQLite: triggers (adding a CHECK there rebuilds the table).
- SQLite: the overlap triggers of 0003 rewritten with the bounded lookup; same rule, same
  message, history-independent.
- PostgreSQL: the exclusion constraints of 0003 stay as they are. Their GiST index answers
  `nurse_id = x AND range && r` by descending the tree, whatever the history
  (bench/README.md has the buffers of an insert at each size).
- Indexes: visits(starts_at), for windows over all nurses (calendar, dashboard); visits
  (status, ends_at), for past visits still open (dashboard); reminders
  (patient_id, status, sent_at), for a patient's last messages (portal); therapy orders
  (status, earliest_start) instead of (status), for the active orders in date order.
- Lab draws: `awaiting_result_since`, set while a done draw has no result, with its index,
  so the dashboard's "results to chase" reads those draws, not every draw ever done.
- Orders whose course is done (no booked or in-progress visit left, at least one
  completed) become "completed", as completing the last visit now does, so the active
  orders are the current ones and not the agency's whole history.

Neither the CHECK nor the triggers are visible to autogenerate; the indexes are in the
models. Bulk loads keep all of this on (bench/populate.py): nothing needs switching off.

Revision ID: i20_bounded_intervals
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "i20_bounded_intervals"
down_revision = "i13_first_day"
branch_labels = None
depends_on = None

MAX_VISIT_HOURS = 24  # scheduler/models/visits.py MAX_VISIT_DURATION
WHO = ("nurse", "patient")
TOO_LONG = f"visit too long: a visit must end less than {MAX_VISIT_HOURS} hours after it starts"


def _overlap_triggers(lower_bound: bool) -> None:
    # As in 0003, plus (when bounded) the lower end on starts_at. datetime() truncates to
    # whole seconds, which only widens the window; the strings compare in time order
    # because every stored value has the same 'YYYY-MM-DD HH:MM:SS.ffffff' shape.
    for who in WHO:
        overlap = (
            f"SELECT 1 FROM visits v WHERE v.{who}_id = NEW.{who}_id AND v.status <> 'cancelled' "
            "AND v.starts_at < NEW.ends_at AND v.ends_at > NEW.starts_at"
        )
        if lower_bound:
            overlap += f" AND v.starts_at > datetime(NEW.starts_at, '-{MAX_VISIT_HOURS} hours')"
        message = f"visit overlap: the {who} already has an active visit at that time"
        op.execute(
            f"CREATE TRIGGER visits_no_{who}_overlap_insert BEFORE INSERT ON visits "
            f"WHEN NEW.status <> 'cancelled' AND EXISTS ({overlap}) "
            f"BEGIN SELECT RAISE(ABORT, '{message}'); END"
        )
        op.execute(
            f"CREATE TRIGGER visits_no_{who}_overlap_update BEFORE UPDATE OF starts_at, ends_at, {who}_id, status ON visits "
            f"WHEN NEW.status <> 'cancelled' AND EXISTS ({overlap} AND v.id <> NEW.id) "
            f"BEGIN SELECT RAISE(ABORT, '{message}'); END"
        )


def _drop_overlap_triggers() -> None:
    for who in WHO:
        op.execute(f"DROP TRIGGER visits_no_{who}_overlap_insert")
        op.execute(f"DROP TRIGGER visits_no_{who}_overlap_update")


def upgrade() -> None:
    op.create_index("ix_visits_starts", "visits", ["starts_at"])
    op.create_index("ix_visits_status_ends", "visits", ["status", "ends_at"])
    op.create_index("ix_reminders_patient_status_sent", "reminders", ["patient_id", "status", "sent_at"])
    op.add_column("lab_draws", sa.Column("awaiting_result_since", sa.DateTime(timezone=True), nullable=True))
    op.create_index("ix_lab_draws_awaiting_result", "lab_draws", ["awaiting_result_since"])
    op.execute("UPDATE lab_draws SET awaiting_result_since = done_at WHERE status = 'done' "
               "AND NOT EXISTS (SELECT 1 FROM lab_results r WHERE r.lab_draw_id = lab_draws.id)")
    op.drop_index("ix_therapy_orders_status", "therapy_orders")
    op.create_index("ix_therapy_orders_status_start", "therapy_orders", ["status", "earliest_start"])
    op.execute(
        "UPDATE therapy_orders SET status = 'completed' WHERE status = 'active' "
        "AND EXISTS (SELECT 1 FROM visits v WHERE v.order_id = therapy_orders.id AND v.status = 'completed') "
        "AND NOT EXISTS (SELECT 1 FROM visits v WHERE v.order_id = therapy_orders.id AND v.status IN ('booked', 'in_progress'))"
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"ALTER TABLE visits ADD CONSTRAINT ck_visits_shorter_than_a_day "
                   f"CHECK (ends_at < starts_at + interval '{MAX_VISIT_HOURS} hours')")
        return
    # Compared as text like the overlap check: ends_at must sort before starts_at + 24 h
    # truncated to the second, so an accepted visit is always shorter than 24 h.
    for event, columns in (("INSERT", ""), ("UPDATE", " OF starts_at, ends_at")):
        op.execute(
            f"CREATE TRIGGER visits_shorter_than_a_day_{event.lower()} BEFORE {event}{columns} ON visits "
            f"WHEN NEW.ends_at >= datetime(NEW.starts_at, '+{MAX_VISIT_HOURS} hours') "
            f"BEGIN SELECT RAISE(ABORT, '{TOO_LONG}'); END"
        )
    _drop_overlap_triggers()
    _overlap_triggers(lower_bound=True)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE visits DROP CONSTRAINT ck_visits_shorter_than_a_day")
    else:
        for event in ("insert", "update"):
            op.execute(f"DROP TRIGGER visits_shorter_than_a_day_{event}")
        _drop_overlap_triggers()
        _overlap_triggers(lower_bound=False)
    # Orders marked completed stay completed: nothing reads the difference.
    op.drop_index("ix_therapy_orders_status_start", "therapy_orders")
    op.create_index("ix_therapy_orders_status", "therapy_orders", ["status"])
    op.drop_index("ix_lab_draws_awaiting_result", "lab_draws")
    with op.batch_alter_table("lab_draws") as batch:
        batch.drop_column("awaiting_result_since")
    op.drop_index("ix_reminders_patient_status_sent", "reminders")
    op.drop_index("ix_visits_status_ends", "visits")
    op.drop_index("ix_visits_starts", "visits")
