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
        batch.add_column(sa.Column("external_id", sa.String(length=64), nullable=True))
        batch.create_unique_constraint(op.f("uq_patients_external_id"), ["external_id"])
        batch.add_column(sa.Column("coordinates_source", sa.String(length=20), server_default="entered", nullable=False))
        batch.create_check_constraint(op.f("ck_patients_coordinates_source_valid"), f"coordinates_source IN ({sources})")
    with op.batch_alter_table("nurses") as batch:
        batch.add_column(sa.Column("home_city", sa.String(length=100), server_default="", nullable=False))
        batch.add_column(sa.Column("home_state", sa.String(length=2), server_default="", nullable=False))
        batch.add_column(sa.Column("home_postal_code", sa.String(length=20), server_default="", nullable=False))
        batch.add_column(sa.Column("home_coordinates_source", sa.String(length=20), server_default="entered",
                                   nullable=False))
        batch.create_check_constraint(op.f("ck_nurses_home_coordinates_source_valid"), f"home_coordinates_source IN ({sources})")


    op.create_table(
        "portal_invitations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(length=20), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("sent_to", sa.String(length=254), nullable=False),
        sa.Column("nonce", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("channel IN ('email', 'sms')", name=op.f("ck_portal_invitations_channel_valid")),
        sa.CheckConstraint("purpose IN ('portal', 'email_change')", name=op.f("ck_portal_invitations_purpose_valid")),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_portal_invitations_created_by_id_users")),
        sa.ForeignKeyConstraint(["patient_id"], ["patients.id"], name=op.f("fk_portal_invitations_patient_id_patients"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_portal_invitations")),
    )
    op.create_index("ix_portal_invitations_patient", "portal_invitations", ["patient_id", "created_at"])
    kinds_before = "'visit_eve', 'visit_morning', 'lab_draw'"
    with op.batch_alter_table("reminders") as batch:
        batch.add_column(sa.Column("invitation_id", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_reminders_invitation_id_portal_invitations", "portal_invitations",
                                 ["invitation_id"], ["id"], ondelete="CASCADE")
        batch.drop_constraint(op.f("ck_reminders_kind_valid"), type_="check")
        batch.create_check_constraint(op.f("ck_reminders_kind_valid"), f"kind IN ({kinds_before}, 'portal_invitation', 'email_confirmation')")


def downgrade() -> None:
    op.execute("DELETE FROM reminders WHERE kind IN ('portal_invitation', 'email_confirmation')")
    with op.batch_alter_table("reminders") as batch:
        batch.drop_constraint(op.f("ck_reminders_kind_valid"), type_="check")
        batch.create_check_constraint(op.f("ck_reminders_kind_valid"), "kind IN ('visit_eve', 'visit_morning', 'lab_draw')")
        batch.drop_constraint("fk_reminders_invitation_id_portal_invitations", type_="foreignkey")
        batch.drop_column("invitation_id")
    op.drop_index("ix_portal_invitations_patient", table_name="portal_invitations")
    op.drop_table("portal_invitations")
    with op.batch_alter_table("nurses") as batch:
        batch.drop_constraint(op.f("ck_nurses_home_coordinates_source_valid"), type_="check")
        for column in ("home_coordinates_source", "home_postal_code", "home_state", "home_city"):
            batch.drop_column(column)
    with op.batch_alter_table("patients") as batch:
        batch.drop_constraint(op.f("ck_patients_coordinates_source_valid"), type_="check")
        batch.drop_column("coordinates_source")
        batch.drop_constraint(op.f("uq_patients_external_id"), type_="unique")
        batch.drop_column("external_id")
        batch.drop_column("state")
    with op.batch_alter_table("products") as batch:
        batch.drop_column("orderable")
