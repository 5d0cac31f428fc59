"""Patients' calendars: where a follow-up draw happens (on the order), notices for moved or
cancelled visits and draws, and private calendar feeds.

Revision ID: i18_patient_calendar
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "i18_patient_calendar"
down_revision = "i17_absences_and_replans"
branch_labels = None
depends_on = None

# i13_first_day (earlier in the chain) added the portal invitation and email confirmation kinds.
OLD_KINDS = "kind IN ('visit_eve', 'visit_morning', 'lab_draw', 'portal_invitation', 'email_confirmation')"
NEW_KINDS = (
    "kind IN ('visit_eve', 'visit_morning', 'lab_draw', 'portal_invitation', 'email_confirmation',"
    " 'visit_update', 'visit_cancel', 'draw_cancel')"
)


def upgrade() -> None:
    with op.batch_alter_table("therapy_orders") as batch:
        batch.add_column(sa.Column("draw_place", sa.String(length=10), server_default="lab", nullable=False))
        batch.create_check_constraint("draw_place_valid", "draw_place IN ('lab', 'home')")
    with op.batch_alter_table("reminders") as batch:
        batch.drop_constraint(op.f("ck_reminders_kind_valid"), type_="check")
        batch.create_check_constraint("kind_valid", NEW_KINDS)
    op.create_table(
        "calendar_feeds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_sha256", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_calendar_feeds_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calendar_feeds")),
        sa.UniqueConstraint("token_sha256", name=op.f("uq_calendar_feeds_token_sha256")),
    )
    with op.batch_alter_table("calendar_feeds") as batch:
        batch.create_index(batch.f("ix_calendar_feeds_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("calendar_feeds") as batch:
        batch.drop_index(batch.f("ix_calendar_feeds_user_id"))
    op.drop_table("calendar_feeds")
    op.execute("DELETE FROM reminders WHERE kind IN ('visit_update', 'visit_cancel', 'draw_cancel')")
    with op.batch_alter_table("reminders") as batch:
        batch.drop_constraint(op.f("ck_reminders_kind_valid"), type_="check")
        batch.create_check_constraint("kind_valid", OLD_KINDS)
    with op.batch_alter_table("therapy_orders") as batch:
        batch.drop_constraint(op.f("ck_therapy_orders_draw_place_valid"), type_="check")
        batch.drop_column("draw_place")
