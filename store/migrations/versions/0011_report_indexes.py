"""reports: a covering index on assessment_level (assessment id, competence, level), so the tab's competence
heatmap reads a year of levels for 50,000 people by an index-only scan (bench/reports.py, docs/tab.md)

Revision ID: 0011_report_indexes
Revises: 0009_broadcast
Create Date: 2026-12-07
"""
from alembic import op


revision = '0011_report_indexes'
down_revision = '0009_broadcast'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('assessment_level', schema=None) as batch_op:
        batch_op.create_index('ix_assessment_level_report', ['assessment_id', 'competence', 'level'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('assessment_level', schema=None) as batch_op:
        batch_op.drop_index('ix_assessment_level_report')
