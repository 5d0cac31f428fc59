"""API tokens may expire: an optional expiry moment per token.

Revision ID: i19_token_expiry
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "i19_token_expiry"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("api_tokens") as batch:
        batch.add_column(sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("api_tokens") as batch:
        batch.drop_column("expires_at")
