"""Visits by (status, ends_at): the dashboard's past visits nobody documented read the few
visits not completed or cancelled, not the agency's whole history (tests/db/test_history_guard.py).

Revision ID: visit_status_ends
Revises: i18_patient_calendar
"""

from alembic import op

revision = "visit_status_ends"
down_revision = "i18_patient_calendar"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_visits_status_ends", "visits", ["status", "ends_at"])


def downgrade() -> None:
    op.drop_index("ix_visits_status_ends", table_name="visits")
