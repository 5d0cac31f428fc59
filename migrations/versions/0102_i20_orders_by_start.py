"""Orders by start date: the orders list filtered on several stored states ("All", and
"Completed", which is stored completed or active with every day done) sorted every order of
the agency's history to show the newest 200 (PostgreSQL 215 / 524 ms at a million visits).

Revision ID: i20_orders_by_start
Revises: i20_patient_history
"""

from alembic import op

revision = "i20_orders_by_start"
down_revision = "i20_patient_history"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_therapy_orders_start", "therapy_orders", ["earliest_start", "id"])


def downgrade() -> None:
    op.drop_index("ix_therapy_orders_start", table_name="therapy_orders")
