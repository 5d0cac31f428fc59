"""A real agency's first day: products follow the catalog in service (orderable); patients'
and nurses' addresses with a State and ZIP, and where their coordinates came from.

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
    sources = "'entered', 'zip_centre', 'geocoder'"
    with op.batch_alter_table("patients") as batch:
        batch.add_column(sa.Column("state", sa.String(length=2), server_default="", nullable=False))
        batch.add_column(sa.Column("coordinates_source", sa.String(length=20), server_default="entered", nullable=False))
        batch.create_check_constraint("coordinates_source_valid", f"coordinates_source IN ({sources})")
    with op.batch_alter_table("nurses") as batch:
        batch.add_column(sa.Column("home_city", sa.String(length=100), server_default="", nullable=False))
        batch.add_column(sa.Column("home_state", sa.String(length=2), server_default="", nullable=False))
        batch.add_column(sa.Column("home_postal_code", sa.String(length=20), server_default="", nullable=False))
        batch.add_column(sa.Column("home_coordinates_source", sa.String(length=20), server_default="entered",
                                   nullable=False))
        batch.create_check_constraint("home_coordinates_source_valid", f"home_coordinates_source IN ({sources})")


def downgrade() -> None:
    with op.batch_alter_table("nurses") as batch:
        batch.drop_constraint("home_coordinates_source_valid", type_="check")
        for column in ("home_coordinates_source", "home_postal_code", "home_state", "home_city"):
            batch.drop_column(column)
    with op.batch_alter_table("patients") as batch:
        batch.drop_constraint("coordinates_source_valid", type_="check")
        batch.drop_column("coordinates_source")
        batch.drop_column("state")
    with op.batch_alter_table("products") as batch:
        batch.drop_column("orderable")
