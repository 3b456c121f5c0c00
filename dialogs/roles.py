"""What a person may do besides being an employee: manager of someone, coordinator of an organisation."""

from __future__ import annotations

from cards.welcome import MenuRoles
from dialogs.turn import Turn


def menu_roles(turn: Turn) -> MenuRoles:
    # Until the directory lands nobody is known to be a manager or coordinator.
    return MenuRoles()
