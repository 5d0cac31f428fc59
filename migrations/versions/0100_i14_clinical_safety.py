"""Clinical safety follow-through: IgA result date, prescriber override and long-day reason
on the order, clinician acknowledgement of an unknown IgA, the day-2 platelet decision, and
the "needs re-plan" mark on a booked visit.

Revision ID: i14_clinical_safety
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "i14_clinical_safety"
down_revision = "i20_bounded_intervals"
branch_labels = None
depends_on = None

_TEXT_COLUMNS = ("prescriber_override_reason", "long_session_reason", "iga_ack_reason", "day2_decision_reason")


def upgrade() -> None:
    with op.batch_alter_table("patients") as batch:
        batch.add_column(sa.Column("iga_tested_on", sa.Date(), nullable=True))
    with op.batch_alter_table("therapy_orders") as batch:
        for name in _TEXT_COLUMNS:
            batch.add_column(sa.Column(name, sa.Text(), server_default="", nullable=False))
        batch.add_column(sa.Column("iga_ack_by_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("iga_ack_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("day2_platelet_threshold", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("day2_decision", sa.String(length=10), nullable=True))
        batch.add_column(sa.Column("day2_decided_by_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("day2_decided_at", sa.DateTime(timezone=True), nullable=True))
        batch.create_foreign_key(batch.f("fk_therapy_orders_iga_ack_by_id_users"), "users", ["iga_ack_by_id"], ["id"])
        batch.create_foreign_key(batch.f("fk_therapy_orders_day2_decided_by_id_users"), "users",
                                 ["day2_decided_by_id"], ["id"])
        batch.create_check_constraint(
            batch.f("ck_therapy_orders_day2_decision_valid"), "day2_decision IS NULL OR day2_decision IN ('give', 'withhold')")
        batch.create_check_constraint(
            batch.f("ck_therapy_orders_day2_threshold_range"), "day2_platelet_threshold IS NULL OR day2_platelet_threshold BETWEEN 1 AND 1000")
    # Plain ALTER TABLE, never a batch copy: rebuilding `visits` on SQLite would drop its
    # overlap triggers (0003).
    op.add_column("visits", sa.Column("needs_replan_reason", sa.Text(), server_default="", nullable=False))


def downgrade() -> None:
    op.execute("ALTER TABLE visits DROP COLUMN needs_replan_reason")
    with op.batch_alter_table("therapy_orders") as batch:
        batch.drop_constraint(batch.f("ck_therapy_orders_day2_threshold_range"), type_="check")
        batch.drop_constraint(batch.f("ck_therapy_orders_day2_decision_valid"), type_="check")
        batch.drop_constraint(batch.f("fk_therapy_orders_day2_decided_by_id_users"), type_="foreignkey")
        batch.drop_constraint(batch.f("fk_therapy_orders_iga_ack_by_id_users"), type_="foreignkey")
        for name in ("day2_decided_at", "day2_decided_by_id", "day2_decision", "day2_platelet_threshold",
                     "iga_ack_at", "iga_ack_by_id", *_TEXT_COLUMNS):
            batch.drop_column(name)
    with op.batch_alter_table("patients") as batch:
        batch.drop_column("iga_tested_on")
