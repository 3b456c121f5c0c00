"""activity catalogue version: one row whose number every change to an activity raises, so each bot instance
knows with one read whether its cached copy of the published catalogue is current (store/catalogue.py); and an
index of directory entries by organisation and unit, for counting a broadcast's audience by units

Revision ID: 0016_turn_costs
Revises: 0014_level_summary
Create Date: 2026-12-07
"""
from alembic import op
import sqlalchemy as sa


revision = '0016_turn_costs'
down_revision = '0014_level_summary'
branch_labels = None
depends_on = None


def upgrade() -> None:
    table = op.create_table('activity_catalogue',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.bulk_insert(table, [{'id': 1, 'version': 0}])
    op.create_index('ix_directory_entry_org_unit', 'directory_entry', ['organisation_id', 'unit_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_directory_entry_org_unit', table_name='directory_entry')
    op.drop_table('activity_catalogue')
