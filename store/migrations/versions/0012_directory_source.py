"""directory source: an organisation's directory from an HR file or from Microsoft Graph, the sync's state, and
the outcome of installing the Teams app for each person

Revision ID: 0012_directory_source
Revises: 0011_report_indexes
Create Date: 2026-12-07
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0012_directory_source'
down_revision = '0011_report_indexes'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # No row for an organisation means the HR file, as before: existing organisations keep working unchanged.
    op.create_table('directory_source',
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('rule', sa.JSON(), nullable=False),
    sa.Column('nightly', sa.Boolean(), nullable=False),
    sa.Column('install_app', sa.Boolean(), nullable=False),
    sa.Column('delta_link', sa.Text(), nullable=True),
    sa.Column('last_synced_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('last_summary', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], ),
    sa.PrimaryKeyConstraint('organisation_id')
    )
    op.create_table('app_installation',
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('outcome', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('attempted_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('detail', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.ForeignKeyConstraint(['entry_id'], ['directory_entry.id'], ),
    sa.PrimaryKeyConstraint('entry_id')
    )


def downgrade() -> None:
    op.drop_table('app_installation')
    op.drop_table('directory_source')
