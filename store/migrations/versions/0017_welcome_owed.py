"""welcome owed: person.welcomed_at, set so far only by a successful install event, now also decides whether a
person's next turn carries the welcome they never had. People who have already talked to the bot are marked
greeted, so that the upgrade greets nobody twice.

Who is backfilled: every person with a turn on record (last_seen_at is set by every turn, the install event
included) and no welcomed_at. They met the bot before the upgrade, whether or not their welcome got through: greeting
them now, perhaps months later, would be a surprise rather than a welcome. People with no turn at all (rows the HR
file or the directory sync created for people who have not opened the app) keep NULL: they have never been greeted,
and their first turn greets them, install event or not. welcomed_at takes their last_seen_at, a moment at which
they certainly knew the bot. No schema change; the downgrade leaves the values (the old code reads them as before).

Revision ID: 0017_welcome_owed
Revises: 0016_turn_costs
Create Date: 2026-12-07
"""
from alembic import op


revision = '0017_welcome_owed'
down_revision = '0016_turn_costs'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("UPDATE person SET welcomed_at = last_seen_at WHERE welcomed_at IS NULL AND last_seen_at IS NOT NULL")


def downgrade() -> None:
    pass
