"""activity catalogue version: one row whose number every change to an activity raises, so each bot instance
knows with one read whether its cached copy of the published catalogue is current (store/catalogue.py)

Revision ID: 0016_activity_catalogue_version
Revises: 0012_directory_source
Create Date: 2026-12-07
"""
from alembic import op
import sqlalchemy as sa


revision = '0016_activity_catalogue_version'
down_revision = '0012_directory_source'
branch_labels = None
depends_on = None


def upgrade() -> None:
    table = op.create_table('activity_catalogue',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.bulk_insert(table, [{'id': 1, 'version': 0}])


def downgrade() -> None:
    op.drop_table('activity_catalogue')
