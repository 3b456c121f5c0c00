"""level summary: one row per finished assessment with its levels in one text, for the organisation heatmap
(50,000 rows instead of a million for a year of 50,000 people: bench/reports.py, docs/tab.md), filled here from
the existing finished assessments

Revision ID: 0014_level_summary
Revises: 0013_activity_sessions
Create Date: 2026-12-07
"""
from urllib.parse import quote

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0014_level_summary'
down_revision = '0013_activity_sessions'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('level_summary',
    sa.Column('assessment_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('finished_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('superseded_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('levels', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.ForeignKeyConstraint(['assessment_id'], ['assessment.id'], ),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], ),
    sa.PrimaryKeyConstraint('assessment_id')
    )
    with op.batch_alter_table('level_summary', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_level_summary_finished_at'), ['finished_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_level_summary_person_id'), ['person_id'], unique=False)
    _backfill(op.get_bind())


def _backfill(bind) -> None:
    """As store/level_summary.py writes it: "competence=level" tokens, levels marked not relevant left out."""
    if bind.dialect.name == 'postgresql':
        levels = "coalesce(string_agg(l.competence || '=' || l.level, ' ' ORDER BY l.competence COLLATE \"C\"), '')"
    else:
        levels = "coalesce(group_concat(l.competence || '=' || l.level, ' '), '')"
    # superseded_at: the person's next finished assessment's finished_at (by finished_at, then id). Written in
    # the order of finishing, as the bot writes the rows.
    bind.execute(sa.text(
        "INSERT INTO level_summary (assessment_id, person_id, finished_at, superseded_at, levels) "
        "SELECT f.id, f.person_id, f.finished_at, "
        "lead(f.finished_at) OVER (PARTITION BY f.person_id ORDER BY f.finished_at, f.id), f.levels FROM ("
        f"SELECT a.id, a.person_id, a.finished_at, {levels} AS levels FROM assessment a "
        "LEFT JOIN assessment_level l ON l.assessment_id = a.id AND l.level IS NOT NULL "
        "WHERE a.status = 'finished' AND a.finished_at IS NOT NULL "
        "GROUP BY a.id, a.person_id, a.finished_at) f ORDER BY f.finished_at, f.id"))
    # A competence key that percent-encoding changes (none in DigComp: "1.1" ... "5.4") is written again here.
    odd = [key for (key,) in bind.execute(sa.text("SELECT DISTINCT competence FROM assessment_level"))
           if quote(key, safe='') != key]
    if not odd:
        return
    affected = sa.text("SELECT DISTINCT assessment_id FROM assessment_level WHERE competence IN :keys") \
        .bindparams(sa.bindparam('keys', expanding=True))
    for (assessment_id,) in bind.execute(affected, {'keys': odd}).all():
        rows = bind.execute(sa.text("SELECT competence, level FROM assessment_level WHERE assessment_id = :id "
                                    "AND level IS NOT NULL"), {'id': assessment_id}).all()
        text = " ".join(f"{quote(key, safe='')}={int(level)}" for key, level in sorted(rows))
        bind.execute(sa.text("UPDATE level_summary SET levels = :levels WHERE assessment_id = :id"),
                     {'levels': text, 'id': assessment_id})


def downgrade() -> None:
    with op.batch_alter_table('level_summary', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_level_summary_person_id'))
        batch_op.drop_index(batch_op.f('ix_level_summary_finished_at'))
    op.drop_table('level_summary')
