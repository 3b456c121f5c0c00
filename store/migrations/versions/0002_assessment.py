"""assessment: self-assessments with answers and levels, role profiles with targets, personal targets

Revision ID: 0002_assessment
Revises: 0001_foundation
Create Date: 2026-11-25
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0002_assessment'
down_revision = '0001_foundation'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('role_profile',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
    sa.Column('title_sv', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('title_en', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('framework_version', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('key')
    )
    op.create_table('assessment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('framework_version', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('instrument_version', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('mode', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('area_index', sa.Integer(), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('answers', sa.JSON(), nullable=False),
    sa.Column('started_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('finished_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('closed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('assessment', schema=None) as batch_op:
        batch_op.create_index('ix_assessment_person_finished', ['person_id', 'finished_at'], unique=False)
        batch_op.create_index('ix_assessment_person_status', ['person_id', 'status'], unique=False)

    op.create_table('person_role',
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('role_profile_id', sa.Integer(), nullable=False),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], ),
    sa.ForeignKeyConstraint(['role_profile_id'], ['role_profile.id'], ),
    sa.PrimaryKeyConstraint('person_id')
    )
    with op.batch_alter_table('person_role', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_person_role_role_profile_id'), ['role_profile_id'], unique=False)

    op.create_table('personal_target',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('competence', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('target', sa.Integer(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('person_id', 'competence', name='uq_personal_target_competence')
    )
    with op.batch_alter_table('personal_target', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_personal_target_person_id'), ['person_id'], unique=False)

    op.create_table('role_target',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('role_profile_id', sa.Integer(), nullable=False),
    sa.Column('competence', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('target', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['role_profile_id'], ['role_profile.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('role_profile_id', 'competence', name='uq_role_target_competence')
    )
    with op.batch_alter_table('role_target', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_role_target_role_profile_id'), ['role_profile_id'], unique=False)

    op.create_table('assessment_level',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('assessment_id', sa.Integer(), nullable=False),
    sa.Column('competence', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('level', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['assessment_id'], ['assessment.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('assessment_id', 'competence', name='uq_assessment_level_competence')
    )
    with op.batch_alter_table('assessment_level', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assessment_level_assessment_id'), ['assessment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_assessment_level_competence'), ['competence'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('assessment_level', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assessment_level_competence'))
        batch_op.drop_index(batch_op.f('ix_assessment_level_assessment_id'))

    op.drop_table('assessment_level')
    with op.batch_alter_table('role_target', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_role_target_role_profile_id'))

    op.drop_table('role_target')
    with op.batch_alter_table('personal_target', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_personal_target_person_id'))

    op.drop_table('personal_target')
    with op.batch_alter_table('person_role', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_person_role_role_profile_id'))

    op.drop_table('person_role')
    with op.batch_alter_table('assessment', schema=None) as batch_op:
        batch_op.drop_index('ix_assessment_person_status')
        batch_op.drop_index('ix_assessment_person_finished')

    op.drop_table('assessment')
    op.drop_table('role_profile')
