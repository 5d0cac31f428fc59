"""A patient's messages by date: the staff patient page lists her last messages of every
outcome (sent, failed, expired) newest first; with only (patient, status, sent_at) SQLite
read all of them and sorted, so the page cost grew with her years of care (issue 20's guard).

Revision ID: i20_patient_history
Revises: i18_patient_calendar
"""

from alembic import op

revision = "i20_patient_history"
down_revision = "i18_patient_calendar"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_reminders_patient_due", "reminders", ["patient_id", "due_at"])


def downgrade() -> None:
    op.drop_index("ix_reminders_patient_due", table_name="reminders")
