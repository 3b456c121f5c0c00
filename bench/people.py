"""The bench's people as the bot knows them once they have installed the app: greeted before the measurement,
so the measured turns are everyday turns, not a first turn that also carries the welcome (dialogs/welcome.py)."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Iterable


def greeted_before(database_url: str, users: Iterable[Any]) -> None:
    """Records each Teams user (tests.fakes.activities.TeamsUser) as a person greeted now; the database must be
    migrated already (the bot migrates it on start)."""
    from store.db import Database
    from store.models.core import Person

    now = datetime.now(timezone.utc)
    db = Database(database_url)
    try:
        with db.session() as session:
            session.add_all([Person(tenant_id=user.tenant_id, teams_user_id=user.teams_id,
                                    aad_object_id=user.aad_object_id, name=user.name, welcomed_at=now)
                             for user in users])
    finally:
        db.dispose()
