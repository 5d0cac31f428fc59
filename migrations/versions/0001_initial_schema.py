"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-22 02:22:31.925352
"""

from alembic import op
import sqlalchemy as sa


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('agencies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('phone_e164', sa.String(length=20), nullable=False),
    sa.Column('road_factor', sa.Float(), nullable=False),
    sa.Column('average_speed_kmh', sa.Float(), nullable=False),
    sa.CheckConstraint('average_speed_kmh > 0 AND average_speed_kmh <= 130', name=op.f('ck_agencies_speed_range')),
    sa.CheckConstraint('road_factor >= 1 AND road_factor <= 3', name=op.f('ck_agencies_road_factor_range')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agencies'))
    )
    op.create_table('products',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('manufacturer', sa.String(length=200), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_products'))
    )
    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('full_name', sa.String(length=200), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('session_epoch', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_login_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("role IN ('admin', 'coordinator', 'nurse', 'patient')", name=op.f('ck_users_role_valid')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('email', name=op.f('uq_users_email'))
    )
    op.create_table('nurses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('first_name', sa.String(length=100), nullable=False),
    sa.Column('last_name', sa.String(length=100), nullable=False),
    sa.Column('phone_e164', sa.String(length=20), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('home_address', sa.String(length=300), nullable=False),
    sa.Column('home_lat', sa.Float(), nullable=False),
    sa.Column('home_lon', sa.Float(), nullable=False),
    sa.Column('max_visits_per_day', sa.SmallInteger(), nullable=False),
    sa.CheckConstraint('home_lat BETWEEN -90 AND 90', name=op.f('ck_nurses_home_lat_range')),
    sa.CheckConstraint('home_lon BETWEEN -180 AND 180', name=op.f('ck_nurses_home_lon_range')),
    sa.CheckConstraint('max_visits_per_day BETWEEN 1 AND 6', name=op.f('ck_nurses_max_visits_range')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_nurses_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_nurses')),
    sa.UniqueConstraint('user_id', name=op.f('uq_nurses_user_id'))
    )
    op.create_table('patients',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('first_name', sa.String(length=100), nullable=False),
    sa.Column('last_name', sa.String(length=100), nullable=False),
    sa.Column('date_of_birth', sa.Date(), nullable=False),
    sa.Column('sex', sa.String(length=10), nullable=False),
    sa.Column('height_cm', sa.Numeric(precision=5, scale=1, asdecimal=False), nullable=False),
    sa.Column('address_line', sa.String(length=300), nullable=False),
    sa.Column('city', sa.String(length=100), nullable=False),
    sa.Column('postal_code', sa.String(length=20), nullable=False),
    sa.Column('lat', sa.Float(), nullable=False),
    sa.Column('lon', sa.Float(), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('phone_e164', sa.String(length=20), nullable=True),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('preferred_channel', sa.String(length=10), nullable=False),
    sa.Column('email_consent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('sms_consent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('quiet_start', sa.Time(), nullable=False),
    sa.Column('quiet_end', sa.Time(), nullable=False),
    sa.Column('preferred_start', sa.Time(), nullable=True),
    sa.Column('preferred_end', sa.Time(), nullable=True),
    sa.Column('iga_status', sa.String(length=30), nullable=False),
    sa.Column('risk_renal', sa.Boolean(), nullable=False),
    sa.Column('risk_thrombotic', sa.Boolean(), nullable=False),
    sa.Column('risk_cardiac', sa.Boolean(), nullable=False),
    sa.Column('allergies', sa.Text(), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("iga_status IN ('unknown', 'normal', 'deficient', 'deficient_with_antibodies')", name=op.f('ck_patients_iga_status_valid')),
    sa.CheckConstraint("preferred_channel IN ('email', 'sms', 'both', 'none')", name=op.f('ck_patients_preferred_channel_valid')),
    sa.CheckConstraint("sex IN ('female', 'male')", name=op.f('ck_patients_sex_valid')),
    sa.CheckConstraint('height_cm BETWEEN 40 AND 250', name=op.f('ck_patients_height_cm_range')),
    sa.CheckConstraint('lat BETWEEN -90 AND 90', name=op.f('ck_patients_lat_range')),
    sa.CheckConstraint('lon BETWEEN -180 AND 180', name=op.f('ck_patients_lon_range')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_patients_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_patients')),
    sa.UniqueConstraint('user_id', name=op.f('uq_patients_user_id'))
    )
    with op.batch_alter_table('patients', schema=None) as batch_op:
        batch_op.create_index('ix_patients_last_first', ['last_name', 'first_name'], unique=False)

    op.create_table('product_vial_sizes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.String(length=40), nullable=False),
    sa.Column('size_g', sa.Numeric(precision=5, scale=1, asdecimal=False), nullable=False),
    sa.CheckConstraint('size_g > 0', name=op.f('ck_product_vial_sizes_size_g_positive')),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_product_vial_sizes_product_id_products'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_product_vial_sizes')),
    sa.UniqueConstraint('product_id', 'size_g', name=op.f('uq_product_vial_sizes_product_id_size_g'))
    )
    op.create_table('vial_lots',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.String(length=40), nullable=False),
    sa.Column('lot_number', sa.String(length=40), nullable=False),
    sa.Column('size_g', sa.Numeric(precision=5, scale=1, asdecimal=False), nullable=False),
    sa.Column('expiry_date', sa.Date(), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.CheckConstraint('quantity >= 0', name=op.f('ck_vial_lots_quantity_not_negative')),
    sa.CheckConstraint('size_g > 0', name=op.f('ck_vial_lots_size_g_positive')),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_vial_lots_product_id_products')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_vial_lots')),
    sa.UniqueConstraint('product_id', 'lot_number', 'size_g', name=op.f('uq_vial_lots_product_id_lot_number_size_g'))
    )
    with op.batch_alter_table('vial_lots', schema=None) as batch_op:
        batch_op.create_index('ix_vial_lots_product_expiry', ['product_id', 'expiry_date'], unique=False)

    op.create_table('audit_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor_user_id', sa.Integer(), nullable=True),
    sa.Column('actor_role', sa.String(length=20), nullable=False),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('object_type', sa.String(length=40), nullable=False),
    sa.Column('object_id', sa.String(length=40), nullable=True),
    sa.Column('patient_id', sa.Integer(), nullable=True),
    sa.Column('source_ip', sa.String(length=45), nullable=True),
    sa.Column('request_id', sa.String(length=64), nullable=True),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('row_hash', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['actor_user_id'], ['users.id'], name=op.f('fk_audit_events_actor_user_id_users')),
    sa.ForeignKeyConstraint(['patient_id'], ['patients.id'], name=op.f('fk_audit_events_patient_id_patients')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_events')),
    sa.UniqueConstraint('row_hash', name=op.f('uq_audit_events_row_hash'))
    )
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.create_index('ix_audit_events_actor_at', ['actor_user_id', 'at'], unique=False)
        batch_op.create_index('ix_audit_events_at', ['at'], unique=False)
        batch_op.create_index('ix_audit_events_patient_at', ['patient_id', 'at'], unique=False)

    op.create_table('nurse_time_off',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('nurse_id', sa.Integer(), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_nurse_time_off_ends_after_starts')),
    sa.ForeignKeyConstraint(['nurse_id'], ['nurses.id'], name=op.f('fk_nurse_time_off_nurse_id_nurses'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_nurse_time_off'))
    )
    with op.batch_alter_table('nurse_time_off', schema=None) as batch_op:
        batch_op.create_index('ix_nurse_time_off_nurse_starts', ['nurse_id', 'starts_at'], unique=False)

    op.create_table('nurse_working_hours',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('nurse_id', sa.Integer(), nullable=False),
    sa.Column('weekday', sa.Integer(), nullable=False),
    sa.Column('start_time', sa.Time(), nullable=False),
    sa.Column('end_time', sa.Time(), nullable=False),
    sa.CheckConstraint('end_time > start_time', name=op.f('ck_nurse_working_hours_end_after_start')),
    sa.CheckConstraint('weekday BETWEEN 0 AND 6', name=op.f('ck_nurse_working_hours_weekday_range')),
    sa.ForeignKeyConstraint(['nurse_id'], ['nurses.id'], name=op.f('fk_nurse_working_hours_nurse_id_nurses'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_nurse_working_hours'))
    )
    with op.batch_alter_table('nurse_working_hours', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_nurse_working_hours_nurse_id'), ['nurse_id'], unique=False)

    op.create_table('patient_weights',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('weight_kg', sa.Numeric(precision=5, scale=1, asdecimal=False), nullable=False),
    sa.Column('measured_on', sa.Date(), nullable=False),
    sa.CheckConstraint('weight_kg BETWEEN 1 AND 350', name=op.f('ck_patient_weights_weight_kg_range')),
    sa.ForeignKeyConstraint(['patient_id'], ['patients.id'], name=op.f('fk_patient_weights_patient_id_patients'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_patient_weights')),
    sa.UniqueConstraint('patient_id', 'measured_on', name=op.f('uq_patient_weights_patient_id_measured_on'))
    )
    op.create_table('therapy_orders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.String(length=40), nullable=False),
    sa.Column('indication', sa.String(length=20), nullable=False),
    sa.Column('dose_g_per_kg', sa.Numeric(precision=5, scale=3, asdecimal=False), nullable=False),
    sa.Column('days', sa.Integer(), nullable=False),
    sa.Column('weight_policy', sa.String(length=10), nullable=False),
    sa.Column('rounding_g', sa.Numeric(precision=5, scale=1, asdecimal=False), nullable=True),
    sa.Column('premedication', sa.Text(), nullable=False),
    sa.Column('first_infusion', sa.Boolean(), nullable=False),
    sa.Column('product_switch', sa.Boolean(), nullable=False),
    sa.Column('earliest_start', sa.Date(), nullable=False),
    sa.Column('window_days', sa.Integer(), nullable=False),
    sa.Column('lab_follow_up_hours', sa.JSON(), nullable=False),
    sa.Column('prescriber', sa.String(length=200), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('active', 'completed', 'cancelled')", name=op.f('ck_therapy_orders_status_valid')),
    sa.CheckConstraint("weight_policy IN ('actual', 'adjusted')", name=op.f('ck_therapy_orders_weight_policy_valid')),
    sa.CheckConstraint('days BETWEEN 1 AND 10', name=op.f('ck_therapy_orders_days_range')),
    sa.CheckConstraint('dose_g_per_kg > 0', name=op.f('ck_therapy_orders_dose_positive')),
    sa.CheckConstraint('rounding_g IS NULL OR rounding_g > 0', name=op.f('ck_therapy_orders_rounding_positive')),
    sa.CheckConstraint('window_days BETWEEN 0 AND 14', name=op.f('ck_therapy_orders_window_days_range')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_therapy_orders_created_by_id_users')),
    sa.ForeignKeyConstraint(['patient_id'], ['patients.id'], name=op.f('fk_therapy_orders_patient_id_patients')),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_therapy_orders_product_id_products')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_therapy_orders'))
    )
    with op.batch_alter_table('therapy_orders', schema=None) as batch_op:
        batch_op.create_index('ix_therapy_orders_patient', ['patient_id', 'earliest_start'], unique=False)
        batch_op.create_index('ix_therapy_orders_status', ['status'], unique=False)

    op.create_table('visits',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('nurse_id', sa.Integer(), nullable=False),
    sa.Column('day_number', sa.Integer(), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('travel_before_min', sa.Integer(), nullable=False),
    sa.Column('travel_after_min', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('cancel_reason', sa.Text(), nullable=False),
    sa.Column('catalog_version', sa.String(length=64), nullable=False),
    sa.Column('plan', sa.JSON(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('booked', 'in_progress', 'completed', 'cancelled')", name=op.f('ck_visits_status_valid')),
    sa.CheckConstraint('day_number >= 1', name=op.f('ck_visits_day_number_positive')),
    sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_visits_ends_after_starts')),
    sa.CheckConstraint('travel_before_min >= 0 AND travel_after_min >= 0', name=op.f('ck_visits_travel_not_negative')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_visits_created_by_id_users')),
    sa.ForeignKeyConstraint(['nurse_id'], ['nurses.id'], name=op.f('fk_visits_nurse_id_nurses')),
    sa.ForeignKeyConstraint(['order_id'], ['therapy_orders.id'], name=op.f('fk_visits_order_id_therapy_orders')),
    sa.ForeignKeyConstraint(['patient_id'], ['patients.id'], name=op.f('fk_visits_patient_id_patients')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_visits'))
    )
    with op.batch_alter_table('visits', schema=None) as batch_op:
        batch_op.create_index('ix_visits_nurse_starts', ['nurse_id', 'starts_at'], unique=False)
        batch_op.create_index('ix_visits_order_day', ['order_id', 'day_number'], unique=False)
        batch_op.create_index('ix_visits_patient_starts', ['patient_id', 'starts_at'], unique=False)

    op.create_table('infusion_records',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('visit_id', sa.Integer(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('total_volume_ml', sa.Numeric(precision=7, scale=1, asdecimal=False), nullable=True),
    sa.Column('observation_done_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('signed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('signed_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('ended_at IS NULL OR ended_at > started_at', name=op.f('ck_infusion_records_ended_after_started')),
    sa.CheckConstraint('total_volume_ml IS NULL OR total_volume_ml >= 0', name=op.f('ck_infusion_records_volume_not_negative')),
    sa.ForeignKeyConstraint(['signed_by_id'], ['users.id'], name=op.f('fk_infusion_records_signed_by_id_users')),
    sa.ForeignKeyConstraint(['visit_id'], ['visits.id'], name=op.f('fk_infusion_records_visit_id_visits')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_infusion_records')),
    sa.UniqueConstraint('visit_id', name=op.f('uq_infusion_records_visit_id'))
    )
    op.create_table('lab_draws',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('visit_id', sa.Integer(), nullable=False),
    sa.Column('test', sa.String(length=40), nullable=False),
    sa.Column('offset_hours', sa.Integer(), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('scheduled', 'done', 'cancelled')", name=op.f('ck_lab_draws_status_valid')),
    sa.ForeignKeyConstraint(['patient_id'], ['patients.id'], name=op.f('fk_lab_draws_patient_id_patients')),
    sa.ForeignKeyConstraint(['visit_id'], ['visits.id'], name=op.f('fk_lab_draws_visit_id_visits')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lab_draws')),
    sa.UniqueConstraint('visit_id', 'offset_hours', name=op.f('uq_lab_draws_visit_id_offset_hours'))
    )
    with op.batch_alter_table('lab_draws', schema=None) as batch_op:
        batch_op.create_index('ix_lab_draws_patient_due', ['patient_id', 'due_at'], unique=False)
        batch_op.create_index('ix_lab_draws_status_due', ['status', 'due_at'], unique=False)

    op.create_table('lot_usages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('visit_id', sa.Integer(), nullable=False),
    sa.Column('lot_id', sa.Integer(), nullable=False),
    sa.Column('vials_used', sa.Integer(), nullable=False),
    sa.Column('waste_ml', sa.Float(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.CheckConstraint('vials_used >= 1', name=op.f('ck_lot_usages_vials_used_positive')),
    sa.CheckConstraint('waste_ml >= 0', name=op.f('ck_lot_usages_waste_not_negative')),
    sa.ForeignKeyConstraint(['lot_id'], ['vial_lots.id'], name=op.f('fk_lot_usages_lot_id_vial_lots')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_lot_usages_recorded_by_id_users')),
    sa.ForeignKeyConstraint(['visit_id'], ['visits.id'], name=op.f('fk_lot_usages_visit_id_visits')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lot_usages'))
    )
    with op.batch_alter_table('lot_usages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lot_usages_visit_id'), ['visit_id'], unique=False)

    op.create_table('rate_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('visit_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('rate_ml_per_hr', sa.Numeric(precision=6, scale=1, asdecimal=False), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.CheckConstraint("kind IN ('start', 'step_up', 'slow_down', 'pause', 'resume', 'stop')", name=op.f('ck_rate_changes_kind_valid')),
    sa.CheckConstraint('rate_ml_per_hr >= 0', name=op.f('ck_rate_changes_rate_not_negative')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_rate_changes_recorded_by_id_users')),
    sa.ForeignKeyConstraint(['visit_id'], ['visits.id'], name=op.f('fk_rate_changes_visit_id_visits')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rate_changes'))
    )
    with op.batch_alter_table('rate_changes', schema=None) as batch_op:
        batch_op.create_index('ix_rate_changes_visit_at', ['visit_id', 'at'], unique=False)

    op.create_table('reactions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('visit_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reaction_type', sa.String(length=60), nullable=False),
    sa.Column('severity', sa.String(length=10), nullable=False),
    sa.Column('action_taken', sa.Text(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.CheckConstraint("severity IN ('mild', 'moderate', 'severe')", name=op.f('ck_reactions_severity_valid')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_reactions_recorded_by_id_users')),
    sa.ForeignKeyConstraint(['visit_id'], ['visits.id'], name=op.f('fk_reactions_visit_id_visits')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reactions'))
    )
    with op.batch_alter_table('reactions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reactions_visit_id'), ['visit_id'], unique=False)

    op.create_table('record_amendments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('visit_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_record_amendments_author_id_users')),
    sa.ForeignKeyConstraint(['visit_id'], ['visits.id'], name=op.f('fk_record_amendments_visit_id_visits')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_record_amendments'))
    )
    with op.batch_alter_table('record_amendments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_record_amendments_visit_id'), ['visit_id'], unique=False)

    op.create_table('vital_signs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('visit_id', sa.Integer(), nullable=False),
    sa.Column('taken_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('phase', sa.String(length=20), nullable=False),
    sa.Column('systolic_mmhg', sa.Integer(), nullable=True),
    sa.Column('diastolic_mmhg', sa.Integer(), nullable=True),
    sa.Column('pulse_bpm', sa.Integer(), nullable=True),
    sa.Column('temperature_c', sa.Numeric(precision=4, scale=1, asdecimal=False), nullable=True),
    sa.Column('respiratory_rate', sa.Integer(), nullable=True),
    sa.Column('spo2_pct', sa.Integer(), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.CheckConstraint("phase IN ('baseline', 'before_increase', 'during', 'end', 'post_observation')", name=op.f('ck_vital_signs_phase_valid')),
    sa.CheckConstraint('diastolic_mmhg IS NULL OR diastolic_mmhg BETWEEN 20 AND 200', name=op.f('ck_vital_signs_diastolic_range')),
    sa.CheckConstraint('pulse_bpm IS NULL OR pulse_bpm BETWEEN 20 AND 250', name=op.f('ck_vital_signs_pulse_range')),
    sa.CheckConstraint('respiratory_rate IS NULL OR respiratory_rate BETWEEN 4 AND 80', name=op.f('ck_vital_signs_resp_range')),
    sa.CheckConstraint('spo2_pct IS NULL OR spo2_pct BETWEEN 50 AND 100', name=op.f('ck_vital_signs_spo2_range')),
    sa.CheckConstraint('systolic_mmhg IS NULL OR systolic_mmhg BETWEEN 40 AND 300', name=op.f('ck_vital_signs_systolic_range')),
    sa.CheckConstraint('temperature_c IS NULL OR temperature_c BETWEEN 30 AND 45', name=op.f('ck_vital_signs_temperature_range')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_vital_signs_recorded_by_id_users')),
    sa.ForeignKeyConstraint(['visit_id'], ['visits.id'], name=op.f('fk_vital_signs_visit_id_visits')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_vital_signs'))
    )
    with op.batch_alter_table('vital_signs', schema=None) as batch_op:
        batch_op.create_index('ix_vital_signs_visit_taken', ['visit_id', 'taken_at'], unique=False)

    op.create_table('lab_results',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('lab_draw_id', sa.Integer(), nullable=False),
    sa.Column('value', sa.Numeric(precision=7, scale=1, asdecimal=False), nullable=False),
    sa.Column('unit', sa.String(length=20), nullable=False),
    sa.Column('resulted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('entered_by_id', sa.Integer(), nullable=False),
    sa.CheckConstraint('value >= 0', name=op.f('ck_lab_results_value_not_negative')),
    sa.ForeignKeyConstraint(['entered_by_id'], ['users.id'], name=op.f('fk_lab_results_entered_by_id_users')),
    sa.ForeignKeyConstraint(['lab_draw_id'], ['lab_draws.id'], name=op.f('fk_lab_results_lab_draw_id_lab_draws')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lab_results')),
    sa.UniqueConstraint('lab_draw_id', name=op.f('uq_lab_results_lab_draw_id'))
    )
    op.create_table('reminders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('visit_id', sa.Integer(), nullable=True),
    sa.Column('lab_draw_id', sa.Integer(), nullable=True),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('lease_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('claimed_by', sa.String(length=100), nullable=True),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('provider_id', sa.String(length=200), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('dedupe_key', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("channel IN ('email', 'sms')", name=op.f('ck_reminders_channel_valid')),
    sa.CheckConstraint("kind IN ('visit_eve', 'visit_morning', 'lab_draw')", name=op.f('ck_reminders_kind_valid')),
    sa.CheckConstraint("status IN ('pending', 'sending', 'sent', 'failed', 'cancelled', 'expired')", name=op.f('ck_reminders_status_valid')),
    sa.CheckConstraint('attempts >= 0', name=op.f('ck_reminders_attempts_not_negative')),
    sa.ForeignKeyConstraint(['lab_draw_id'], ['lab_draws.id'], name=op.f('fk_reminders_lab_draw_id_lab_draws')),
    sa.ForeignKeyConstraint(['patient_id'], ['patients.id'], name=op.f('fk_reminders_patient_id_patients')),
    sa.ForeignKeyConstraint(['visit_id'], ['visits.id'], name=op.f('fk_reminders_visit_id_visits')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reminders')),
    sa.UniqueConstraint('dedupe_key', name=op.f('uq_reminders_dedupe_key'))
    )
    with op.batch_alter_table('reminders', schema=None) as batch_op:
        batch_op.create_index('ix_reminders_lab_draw', ['lab_draw_id'], unique=False)
        batch_op.create_index('ix_reminders_status_due', ['status', 'due_at'], unique=False)
        batch_op.create_index('ix_reminders_visit', ['visit_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('reminders', schema=None) as batch_op:
        batch_op.drop_index('ix_reminders_visit')
        batch_op.drop_index('ix_reminders_status_due')
        batch_op.drop_index('ix_reminders_lab_draw')

    op.drop_table('reminders')
    op.drop_table('lab_results')
    with op.batch_alter_table('vital_signs', schema=None) as batch_op:
        batch_op.drop_index('ix_vital_signs_visit_taken')

    op.drop_table('vital_signs')
    with op.batch_alter_table('record_amendments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_record_amendments_visit_id'))

    op.drop_table('record_amendments')
    with op.batch_alter_table('reactions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reactions_visit_id'))

    op.drop_table('reactions')
    with op.batch_alter_table('rate_changes', schema=None) as batch_op:
        batch_op.drop_index('ix_rate_changes_visit_at')

    op.drop_table('rate_changes')
    with op.batch_alter_table('lot_usages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lot_usages_visit_id'))

    op.drop_table('lot_usages')
    with op.batch_alter_table('lab_draws', schema=None) as batch_op:
        batch_op.drop_index('ix_lab_draws_status_due')
        batch_op.drop_index('ix_lab_draws_patient_due')

    op.drop_table('lab_draws')
    op.drop_table('infusion_records')
    with op.batch_alter_table('visits', schema=None) as batch_op:
        batch_op.drop_index('ix_visits_patient_starts')
        batch_op.drop_index('ix_visits_order_day')
        batch_op.drop_index('ix_visits_nurse_starts')

    op.drop_table('visits')
    with op.batch_alter_table('therapy_orders', schema=None) as batch_op:
        batch_op.drop_index('ix_therapy_orders_status')
        batch_op.drop_index('ix_therapy_orders_patient')

    op.drop_table('therapy_orders')
    op.drop_table('patient_weights')
    with op.batch_alter_table('nurse_working_hours', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_nurse_working_hours_nurse_id'))

    op.drop_table('nurse_working_hours')
    with op.batch_alter_table('nurse_time_off', schema=None) as batch_op:
        batch_op.drop_index('ix_nurse_time_off_nurse_starts')

    op.drop_table('nurse_time_off')
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_events_patient_at')
        batch_op.drop_index('ix_audit_events_at')
        batch_op.drop_index('ix_audit_events_actor_at')

    op.drop_table('audit_events')
    with op.batch_alter_table('vial_lots', schema=None) as batch_op:
        batch_op.drop_index('ix_vial_lots_product_expiry')

    op.drop_table('vial_lots')
    op.drop_table('product_vial_sizes')
    with op.batch_alter_table('patients', schema=None) as batch_op:
        batch_op.drop_index('ix_patients_last_first')

    op.drop_table('patients')
    op.drop_table('nurses')
    op.drop_table('users')
    op.drop_table('products')
    op.drop_table('agencies')
