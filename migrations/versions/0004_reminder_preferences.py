"""Reminders: the patient's morning-of choice, and an index for the worker's claim.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("patients") as batch:
        batch.add_column(sa.Column("morning_reminder", sa.Boolean(), server_default=sa.false(), nullable=False))
    op.create_index("ix_reminders_status_next_attempt", "reminders", ["status", "next_attempt_at"])


def downgrade() -> None:
    op.drop_index("ix_reminders_status_next_attempt", table_name="reminders")
    with op.batch_alter_table("patients") as batch:
        batch.drop_column("morning_reminder")
