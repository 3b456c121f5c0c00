"""the digital maturity survey: rounds, the register of invitations and answers (dates only), unfinished
answers keyed by a keyed hash, the pending batch, and the anonymous answers (no person, no time, random ids;
SQLite tables without rowid, so no hidden sequence either)

Revision ID: 0006_survey
Revises: 0005_activities
Create Date: 2026-12-07
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0006_survey'
down_revision = '0005_activities'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('survey_round',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('instrument_version', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('opens_on', sa.Date(), nullable=False),
    sa.Column('closes_on', sa.Date(), nullable=False),
    sa.Column('min_group', sa.Integer(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('draft_secret', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('answer_count', sa.Integer(), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('opened_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('closed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('survey_round', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_survey_round_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_survey_round_status'), ['status'], unique=False)

    op.create_table('survey_draft',
    sa.Column('token', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('dimension_index', sa.Integer(), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('answers', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['round_id'], ['survey_round.id'], ),
    sa.PrimaryKeyConstraint('token'),
    sqlite_with_rowid=False
    )
    with op.batch_alter_table('survey_draft', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_survey_draft_round_id'), ['round_id'], unique=False)

    op.create_table('survey_invitation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('invited_on', sa.Date(), nullable=False),
    sa.Column('answered_on', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], ),
    sa.ForeignKeyConstraint(['round_id'], ['survey_round.id'], ),
    sa.ForeignKeyConstraint(['unit_id'], ['directory_unit.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('round_id', 'person_id', name='uq_survey_invitation_round_person')
    )
    with op.batch_alter_table('survey_invitation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_survey_invitation_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_survey_invitation_round_id'), ['round_id'], unique=False)

    op.create_table('survey_pending',
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('answers', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['round_id'], ['survey_round.id'], ),
    sa.PrimaryKeyConstraint('round_id')
    )
    op.create_table('survey_response',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('answers', sa.JSON(), nullable=False),
    sa.Column('free_text', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True),
    sa.ForeignKeyConstraint(['round_id'], ['survey_round.id'], ),
    sa.ForeignKeyConstraint(['unit_id'], ['directory_unit.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sqlite_with_rowid=False
    )
    with op.batch_alter_table('survey_response', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_survey_response_round_id'), ['round_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('survey_response', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_survey_response_round_id'))

    op.drop_table('survey_response')
    op.drop_table('survey_pending')
    with op.batch_alter_table('survey_invitation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_survey_invitation_round_id'))
        batch_op.drop_index(batch_op.f('ix_survey_invitation_person_id'))

    op.drop_table('survey_invitation')
    with op.batch_alter_table('survey_draft', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_survey_draft_round_id'))

    op.drop_table('survey_draft')
    with op.batch_alter_table('survey_round', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_survey_round_status'))
        batch_op.drop_index(batch_op.f('ix_survey_round_organisation_id'))

    op.drop_table('survey_round')
