"""A real agency's first day: products follow the catalog in service (orderable).

Revision ID: i13_first_day
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "i13_first_day"
down_revision = "i19_token_expiry"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("products") as batch:
        batch.add_column(sa.Column("orderable", sa.Boolean(), server_default=sa.true(), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("products") as batch:
        batch.drop_column("orderable")
