"""What a person may do besides being an employee: manager of someone, coordinator of an organisation."""

from __future__ import annotations

from cards.welcome import MenuRoles
from dialogs.turn import Turn
from store import directory


def menu_roles(turn: Turn) -> MenuRoles:
    """From the directory: a manager has active reports or stands in for a manager; a coordinator is assigned."""
    entry = directory.entry_for_person(turn.session, turn.person)
    if entry is None:
        return MenuRoles()
    return MenuRoles(manager=directory.is_manager(turn.session, entry, now=turn.now),
                     coordinator=directory.is_coordinator(turn.session, entry))
