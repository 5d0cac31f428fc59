"""Absences replace time off (with a kind: sick, leave, training); re-plan proposals.

Every time-off row moves into nurse_absences with its id and reason, as kind "leave" (time
off was planned leave: a sick call had no place to be recorded before this revision).

Revision ID: i17_absences_and_replans
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "i17_absences_and_replans"
down_revision = "i16_order_life"
branch_labels = None
depends_on = None


def _reset_id_sequence(table: str) -> None:
    # Rows were copied with their ids; PostgreSQL's sequence must continue after them.
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE(MAX(id), 0) + 1, false) FROM {table}")


def upgrade() -> None:
    op.create_table(
        "nurse_absences",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("nurse_id", sa.Integer(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("ends_at > starts_at", name=op.f("ck_nurse_absences_ends_after_starts")),
        sa.CheckConstraint("kind IN ('sick', 'leave', 'training')", name=op.f("ck_nurse_absences_kind_valid")),
        sa.ForeignKeyConstraint(["nurse_id"], ["nurses.id"], name=op.f("fk_nurse_absences_nurse_id_nurses"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_nurse_absences_created_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_nurse_absences")),
    )
    with op.batch_alter_table("nurse_absences") as batch:
        batch.create_index("ix_nurse_absences_nurse_starts", ["nurse_id", "starts_at"], unique=False)
    op.execute(
        "INSERT INTO nurse_absences (id, nurse_id, starts_at, ends_at, kind, reason) "
        "SELECT id, nurse_id, starts_at, ends_at, 'leave', reason FROM nurse_time_off"
    )
    _reset_id_sequence("nurse_absences")
    with op.batch_alter_table("nurse_time_off") as batch:
        batch.drop_index("ix_nurse_time_off_nurse_starts")
    op.drop_table("nurse_time_off")

    op.create_table(
        "replans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("nurse_id", sa.Integer(), nullable=False),
        sa.Column("absence_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("applied_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("kind IN ('absence', 'route')", name=op.f("ck_replans_kind_valid")),
        sa.CheckConstraint("status IN ('proposed', 'applied')", name=op.f("ck_replans_status_valid")),
        sa.ForeignKeyConstraint(["nurse_id"], ["nurses.id"], name=op.f("fk_replans_nurse_id_nurses"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["absence_id"], ["nurse_absences.id"], name=op.f("fk_replans_absence_id_nurse_absences"),
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_replans_created_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_replans")),
    )
    with op.batch_alter_table("replans") as batch:
        batch.create_index("ix_replans_nurse_created", ["nurse_id", "created_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("replans") as batch:
        batch.drop_index("ix_replans_nurse_created")
    op.drop_table("replans")
    op.create_table(
        "nurse_time_off",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("nurse_id", sa.Integer(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.CheckConstraint("ends_at > starts_at", name=op.f("ck_nurse_time_off_ends_after_starts")),
        sa.ForeignKeyConstraint(["nurse_id"], ["nurses.id"], name=op.f("fk_nurse_time_off_nurse_id_nurses"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_nurse_time_off")),
    )
    with op.batch_alter_table("nurse_time_off") as batch:
        batch.create_index("ix_nurse_time_off_nurse_starts", ["nurse_id", "starts_at"], unique=False)
    # Every kind becomes time off again; the kind is lost, kept in the reason when it says nothing else.
    op.execute(
        "INSERT INTO nurse_time_off (id, nurse_id, starts_at, ends_at, reason) "
        "SELECT id, nurse_id, starts_at, ends_at, CASE WHEN reason = '' THEN kind ELSE reason END FROM nurse_absences"
    )
    _reset_id_sequence("nurse_time_off")
    with op.batch_alter_table("nurse_absences") as batch:
        batch.drop_index("ix_nurse_absences_nurse_starts")
    op.drop_table("nurse_absences")
