"""activities: the catalogue of learning activities (with the competences each develops), sign-ups with the
waiting list, completed hours per person and month (ESF), and catalogue activities linked to plans. Existing
plans are untouched: their free-text activities stay in plan.activities, and plan_activity links entries later.

Revision ID: 0005_activities
Revises: 0004_scoring_version
Create Date: 2026-12-07
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0005_activities'
down_revision = '0004_scoring_version'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('activity',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
    sa.Column('title_sv', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('title_en', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('description_sv', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True),
    sa.Column('description_en', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True),
    sa.Column('format', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('competences', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('level_min', sa.Integer(), nullable=False),
    sa.Column('level_max', sa.Integer(), nullable=False),
    sa.Column('roles', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('hours', sa.Float(), nullable=False),
    sa.Column('self_paced', sa.Boolean(), nullable=False),
    sa.Column('starts_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('ends_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('place', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
    sa.Column('online_url', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.Column('provider', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('capacity', sa.Integer(), nullable=True),
    sa.Column('registration_deadline', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('shared', sa.Boolean(), nullable=False),
    sa.Column('places_taken', sa.Integer(), nullable=False),
    sa.Column('external_places', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_by_person_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('published_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('cancelled_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_person_id'], ['person.id'], ),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('organisation_id', 'key', name='uq_activity_org_key')
    )
    with op.batch_alter_table('activity', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_activity_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index('ix_activity_status_org', ['status', 'organisation_id'], unique=False)

    op.create_table('activity_competence',
    sa.Column('activity_id', sa.Integer(), nullable=False),
    sa.Column('competence', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('level', sa.Integer(), nullable=False),
    sa.Column('self_paced', sa.Boolean(), nullable=False),
    sa.Column('starts_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['activity_id'], ['activity.id'], ),
    sa.PrimaryKeyConstraint('activity_id', 'competence', 'level')
    )
    with op.batch_alter_table('activity_competence', schema=None) as batch_op:
        batch_op.create_index('ix_activity_competence_match', ['competence', 'level', 'self_paced', 'starts_at', 'activity_id'], unique=False)

    op.create_table('activity_hours',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('activity_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('month', sqlmodel.sql.sqltypes.AutoString(length=7), nullable=False),
    sa.Column('hours', sa.Float(), nullable=False),
    sa.Column('recorded_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['activity_id'], ['activity.id'], ),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], ),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('person_id', 'activity_id', 'month', name='uq_activity_hours_person_month')
    )
    with op.batch_alter_table('activity_hours', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_activity_hours_activity_id'), ['activity_id'], unique=False)
        batch_op.create_index('ix_activity_hours_month', ['month'], unique=False)
        batch_op.create_index(batch_op.f('ix_activity_hours_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_activity_hours_person_id'), ['person_id'], unique=False)

    op.create_table('activity_signup',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('activity_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('signed_up_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('hours', sa.Float(), nullable=True),
    sa.Column('completed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('confirmed_by_person_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['activity_id'], ['activity.id'], ),
    sa.ForeignKeyConstraint(['confirmed_by_person_id'], ['person.id'], ),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('activity_id', 'person_id', name='uq_activity_signup_person')
    )
    with op.batch_alter_table('activity_signup', schema=None) as batch_op:
        batch_op.create_index('ix_activity_signup_activity_status', ['activity_id', 'status', 'signed_up_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_activity_signup_person_id'), ['person_id'], unique=False)

    op.create_table('plan_activity',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('activity_id', sa.Integer(), nullable=False),
    sa.Column('competence', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=True),
    sa.Column('added_by_person_id', sa.Integer(), nullable=True),
    sa.Column('added_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['activity_id'], ['activity.id'], ),
    sa.ForeignKeyConstraint(['added_by_person_id'], ['person.id'], ),
    sa.ForeignKeyConstraint(['plan_id'], ['plan.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('plan_id', 'activity_id', name='uq_plan_activity')
    )
    with op.batch_alter_table('plan_activity', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_activity_activity_id'), ['activity_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_plan_activity_plan_id'), ['plan_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('plan_activity', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_activity_plan_id'))
        batch_op.drop_index(batch_op.f('ix_plan_activity_activity_id'))

    op.drop_table('plan_activity')
    with op.batch_alter_table('activity_signup', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_activity_signup_person_id'))
        batch_op.drop_index('ix_activity_signup_activity_status')

    op.drop_table('activity_signup')
    with op.batch_alter_table('activity_hours', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_activity_hours_person_id'))
        batch_op.drop_index(batch_op.f('ix_activity_hours_organisation_id'))
        batch_op.drop_index('ix_activity_hours_month')
        batch_op.drop_index(batch_op.f('ix_activity_hours_activity_id'))

    op.drop_table('activity_hours')
    with op.batch_alter_table('activity_competence', schema=None) as batch_op:
        batch_op.drop_index('ix_activity_competence_match')

    op.drop_table('activity_competence')
    with op.batch_alter_table('activity', schema=None) as batch_op:
        batch_op.drop_index('ix_activity_status_org')
        batch_op.drop_index(batch_op.f('ix_activity_organisation_id'))

    op.drop_table('activity')
