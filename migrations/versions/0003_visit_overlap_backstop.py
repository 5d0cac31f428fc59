"""The database refuses overlapping active visits for a nurse or a patient.

The booking operation checks the rules (travel included) first; this is the last line of
defence when two writers slip past it. PostgreSQL: exclusion constraints over the visit's
time range (btree_gist for the equality part). SQLite: triggers that abort the write.
Neither is visible to autogenerate, so models and migrations still compare equal.

Revision ID: 0003
Revises: 0002
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

WHO = ("nurse", "patient")


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
        for who in WHO:
            op.execute(
                f"ALTER TABLE visits ADD CONSTRAINT ex_visits_{who}_overlap EXCLUDE USING gist "
                f"({who}_id WITH =, tstzrange(starts_at, ends_at) WITH &&) WHERE (status <> 'cancelled')"
            )
        return
    for who in WHO:
        overlap = (
            f"SELECT 1 FROM visits v WHERE v.{who}_id = NEW.{who}_id AND v.status <> 'cancelled' "
            "AND v.starts_at < NEW.ends_at AND v.ends_at > NEW.starts_at"
        )
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


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for who in WHO:
            op.execute(f"ALTER TABLE visits DROP CONSTRAINT ex_visits_{who}_overlap")
        return
    for who in WHO:
        op.execute(f"DROP TRIGGER visits_no_{who}_overlap_insert")
        op.execute(f"DROP TRIGGER visits_no_{who}_overlap_update")
