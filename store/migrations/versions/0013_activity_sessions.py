"""activity sessions: several dated meetings per activity; each existing activity's session is moved into the
new table (the activity keeps its first session's time and place as before, for matching)

Revision ID: 0013_activity_sessions
Revises: 0012_directory_source
Create Date: 2026-12-07
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0013_activity_sessions'
down_revision = '0012_directory_source'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('activity_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('activity_id', sa.Integer(), nullable=False),
    sa.Column('starts_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('ends_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('place', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
    sa.Column('online_url', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.Column('cancelled_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['activity_id'], ['activity.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('activity_id', 'starts_at', name='uq_activity_session_start')
    )
    with op.batch_alter_table('activity_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_activity_session_activity_id'), ['activity_id'], unique=False)
        batch_op.create_index('ix_activity_session_starts', ['starts_at'], unique=False)
    # Every dated activity's one session becomes its first row here (self-paced ones have none).
    op.execute("INSERT INTO activity_session (activity_id, starts_at, ends_at, place, online_url) "
               "SELECT id, starts_at, ends_at, place, online_url FROM activity "
               "WHERE starts_at IS NOT NULL AND NOT self_paced ORDER BY id")


def downgrade() -> None:
    # The activity's own columns still hold its first session; later sessions are lost on the way down.
    with op.batch_alter_table('activity_session', schema=None) as batch_op:
        batch_op.drop_index('ix_activity_session_starts')
        batch_op.drop_index(batch_op.f('ix_activity_session_activity_id'))
    op.drop_table('activity_session')
