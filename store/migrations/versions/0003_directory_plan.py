"""directory, plans, outbox, scheduler jobs: organisations, units, roles, directory entries, coordinator and
admin assignments, manager stand-ins; development plans with versions and comments; the outbox; and the
table APScheduler's SQLAlchemyJobStore uses (created here, so the job store finds it and creates nothing)

Revision ID: 0003_directory_plan
Revises: 0002_assessment
Create Date: 2026-11-25
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0003_directory_plan'
down_revision = '0002_assessment'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('apscheduler_jobs',
    sa.Column('id', sa.Unicode(length=191), nullable=False),
    sa.Column('next_run_time', sa.Float(precision=25), nullable=True),
    sa.Column('job_state', sa.LargeBinary(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('apscheduler_jobs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_apscheduler_jobs_next_run_time'), ['next_run_time'], unique=False)

    op.create_table('organisation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('tenant_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('reference_group', sa.Boolean(), nullable=False),
    sa.Column('contact', sqlmodel.sql.sqltypes.AutoString(length=320), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('key')
    )
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_organisation_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('directory_role',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('organisation_id', 'key', name='uq_directory_role_org_key')
    )
    with op.batch_alter_table('directory_role', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_directory_role_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('directory_unit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], ),
    sa.ForeignKeyConstraint(['parent_id'], ['directory_unit.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('organisation_id', 'code', name='uq_directory_unit_org_code')
    )
    with op.batch_alter_table('directory_unit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_directory_unit_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_directory_unit_parent_id'), ['parent_id'], unique=False)

    op.create_table('outbox_message',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign', sqlmodel.sql.sqltypes.AutoString(length=160), nullable=False),
    sa.Column('recipient_person_id', sa.Integer(), nullable=False),
    sa.Column('card', sa.JSON(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('not_before', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('next_attempt_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('lease_until', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('respect_quiet_hours', sa.Boolean(), nullable=False),
    sa.Column('last_error', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.Column('activity_id', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('sent_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['recipient_person_id'], ['person.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('campaign', 'recipient_person_id', name='uq_outbox_campaign_recipient')
    )
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.create_index('ix_outbox_due', ['status', 'next_attempt_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbox_message_recipient_person_id'), ['recipient_person_id'], unique=False)

    op.create_table('directory_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('email', sqlmodel.sql.sqltypes.AutoString(length=320), nullable=False),
    sa.Column('upn', sqlmodel.sql.sqltypes.AutoString(length=320), nullable=True),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('role_id', sa.Integer(), nullable=True),
    sa.Column('manager_entry_id', sa.Integer(), nullable=True),
    sa.Column('aad_object_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('left_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['manager_entry_id'], ['directory_entry.id'], ),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], ),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], ),
    sa.ForeignKeyConstraint(['role_id'], ['directory_role.id'], ),
    sa.ForeignKeyConstraint(['unit_id'], ['directory_unit.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('organisation_id', 'email', name='uq_directory_entry_org_email'),
    sa.UniqueConstraint('person_id')
    )
    with op.batch_alter_table('directory_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_directory_entry_aad_object_id'), ['aad_object_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_directory_entry_email'), ['email'], unique=False)
        batch_op.create_index('ix_directory_entry_manager_active', ['manager_entry_id', 'active'], unique=False)
        batch_op.create_index(batch_op.f('ix_directory_entry_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_directory_entry_role_id'), ['role_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_directory_entry_unit_id'), ['unit_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_directory_entry_upn'), ['upn'], unique=False)

    op.create_table('plan',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('period', sa.Integer(), nullable=False),
    sa.Column('state', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('assessment_id', sa.Integer(), nullable=True),
    sa.Column('priorities', sa.JSON(), nullable=False),
    sa.Column('goals', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
    sa.Column('activities', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
    sa.Column('target_date', sa.Date(), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('state_changed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('sent_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('approved_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('approved_by_person_id', sa.Integer(), nullable=True),
    sa.Column('completed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('review_reminders', sa.Integer(), nullable=False),
    sa.Column('last_review_reminder_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('draft_reminders', sa.Integer(), nullable=False),
    sa.Column('last_draft_reminder_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['approved_by_person_id'], ['person.id'], ),
    sa.ForeignKeyConstraint(['assessment_id'], ['assessment.id'], ),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('person_id', 'period', name='uq_plan_person_period')
    )
    with op.batch_alter_table('plan', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_person_id'), ['person_id'], unique=False)
        batch_op.create_index('ix_plan_state_changed', ['state', 'state_changed_at'], unique=False)

    op.create_table('manager_stand_in',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('manager_entry_id', sa.Integer(), nullable=False),
    sa.Column('stand_in_entry_id', sa.Integer(), nullable=False),
    sa.Column('assigned_by_entry_id', sa.Integer(), nullable=False),
    sa.Column('starts_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('ends_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['assigned_by_entry_id'], ['directory_entry.id'], ),
    sa.ForeignKeyConstraint(['manager_entry_id'], ['directory_entry.id'], ),
    sa.ForeignKeyConstraint(['stand_in_entry_id'], ['directory_entry.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('manager_stand_in', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_manager_stand_in_manager_entry_id'), ['manager_entry_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_manager_stand_in_stand_in_entry_id'), ['stand_in_entry_id'], unique=False)

    op.create_table('organisation_assignment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('assigned_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['entry_id'], ['directory_entry.id'], ),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('organisation_id', 'entry_id', 'kind', name='uq_organisation_assignment')
    )
    with op.batch_alter_table('organisation_assignment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_organisation_assignment_entry_id'), ['entry_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_organisation_assignment_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('plan_comment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('author_person_id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('text', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
    sa.Column('at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['author_person_id'], ['person.id'], ),
    sa.ForeignKeyConstraint(['plan_id'], ['plan.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('plan_comment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_comment_plan_id'), ['plan_id'], unique=False)

    op.create_table('plan_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('state', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('change', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('changed_by_person_id', sa.Integer(), nullable=True),
    sa.Column('at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('snapshot', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['changed_by_person_id'], ['person.id'], ),
    sa.ForeignKeyConstraint(['plan_id'], ['plan.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('plan_id', 'version', name='uq_plan_version')
    )
    with op.batch_alter_table('plan_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_version_plan_id'), ['plan_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('plan_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_version_plan_id'))

    op.drop_table('plan_version')
    with op.batch_alter_table('plan_comment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_comment_plan_id'))

    op.drop_table('plan_comment')
    with op.batch_alter_table('organisation_assignment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_organisation_assignment_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_organisation_assignment_entry_id'))

    op.drop_table('organisation_assignment')
    with op.batch_alter_table('manager_stand_in', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_manager_stand_in_stand_in_entry_id'))
        batch_op.drop_index(batch_op.f('ix_manager_stand_in_manager_entry_id'))

    op.drop_table('manager_stand_in')
    with op.batch_alter_table('plan', schema=None) as batch_op:
        batch_op.drop_index('ix_plan_state_changed')
        batch_op.drop_index(batch_op.f('ix_plan_person_id'))

    op.drop_table('plan')
    with op.batch_alter_table('directory_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_directory_entry_upn'))
        batch_op.drop_index(batch_op.f('ix_directory_entry_unit_id'))
        batch_op.drop_index(batch_op.f('ix_directory_entry_role_id'))
        batch_op.drop_index(batch_op.f('ix_directory_entry_organisation_id'))
        batch_op.drop_index('ix_directory_entry_manager_active')
        batch_op.drop_index(batch_op.f('ix_directory_entry_email'))
        batch_op.drop_index(batch_op.f('ix_directory_entry_aad_object_id'))

    op.drop_table('directory_entry')
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outbox_message_recipient_person_id'))
        batch_op.drop_index('ix_outbox_due')

    op.drop_table('outbox_message')
    with op.batch_alter_table('directory_unit', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_directory_unit_parent_id'))
        batch_op.drop_index(batch_op.f('ix_directory_unit_organisation_id'))

    op.drop_table('directory_unit')
    with op.batch_alter_table('directory_role', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_directory_role_organisation_id'))

    op.drop_table('directory_role')
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_organisation_tenant_id'))

    op.drop_table('organisation')
    with op.batch_alter_table('apscheduler_jobs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_apscheduler_jobs_next_run_time'))

    op.drop_table('apscheduler_jobs')
