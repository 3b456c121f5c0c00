"""assessment.scoring_version: the version of the scoring rule that gave a finished assessment its levels.

Finished assessments from before this migration were scored by version 1 and keep their levels; they get 1.
Assessments in progress get their version when they are finished (docs/scoring-history.md).

Revision ID: 0004_scoring_version
Revises: 0003_directory_plan
Create Date: 2026-12-07
"""
from alembic import op
import sqlalchemy as sa


revision = '0004_scoring_version'
down_revision = '0003_directory_plan'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('assessment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('scoring_version', sa.Integer(), nullable=True))
    op.execute("UPDATE assessment SET scoring_version = 1 WHERE status = 'finished'")


def downgrade() -> None:
    with op.batch_alter_table('assessment', schema=None) as batch_op:
        batch_op.drop_column('scoring_version')
