"""Orders: a discontinued order keeps its reason and moment; a cancelled visit its moment
(same-day undo of a cancellation).

Revision ID: i16_order_life
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "i16_order_life"
down_revision = "i14_clinical_safety"
branch_labels = None
depends_on = None


# Plain ADD / DROP COLUMN, not batch mode: a batch rebuild of `visits` on SQLite would
# drop its overlap triggers (0003). SQLite has had DROP COLUMN since 3.35.
COLUMNS = [
    ("therapy_orders", sa.Column("discontinue_reason", sa.Text(), nullable=False, server_default="")),
    ("therapy_orders", sa.Column("discontinued_at", sa.DateTime(timezone=True), nullable=True)),
    ("visits", sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True)),
]


def upgrade() -> None:
    for table, column in COLUMNS:
        op.add_column(table, column)


def downgrade() -> None:
    for table, column in reversed(COLUMNS):
        op.execute(f"ALTER TABLE {table} DROP COLUMN {column.name}")
