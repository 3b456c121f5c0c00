"""Greeting, help and the menu; honest placeholders for entry points whose flows are not built yet."""

from __future__ import annotations

import logging
from datetime import timedelta

from cards.notices import coming_soon_card, error_card
from cards.welcome import menu_card, welcome_card
from dialogs.roles import menu_roles
from dialogs.router import Handler
from dialogs.turn import Reply, Turn
from store import directory
from store.people import claim_welcome

log = logging.getLogger(__name__)


# Long enough to swallow the duplicate install events, short enough that a reinstall greets again.
_GREETING_DEDUPE = timedelta(seconds=30)


def greet(turn: Turn) -> Reply:
    """The install event: greets, and marks the person greeted, unless the other of Teams' two events just did."""
    if not claim_welcome(turn.session, turn.person, now=turn.now, again_after=_GREETING_DEDUPE):
        return Reply()
    log.info("welcoming person %s (tenant %s)", turn.person.id, turn.person.tenant_id)
    return Reply.of(_welcome(turn))


def greet_if_never_greeted(turn: Turn) -> list[dict]:
    """Any other turn: the welcome of a person who has never had one (their install event failed, or never came).

    Decided by the database, so whichever instance has the turn, and only once however many turns run at once;
    the mark is part of the turn's transaction, so a turn that fails leaves the welcome for the next one.
    """
    if turn.person.welcomed_at is not None or not claim_welcome(turn.session, turn.person, now=turn.now):
        return []
    log.info("welcoming person %s (tenant %s) with this turn: they had never been greeted",
             turn.person.id, turn.person.tenant_id)
    return [_welcome(turn)]


def _welcome(turn: Turn) -> dict:
    return welcome_card(turn.lang, name=_name(turn), roles=menu_roles(turn))


def _name(turn: Turn) -> str | None:
    """Teams' install event carries no name; the directory usually knows it."""
    if turn.person.name:
        return turn.person.name
    entry = directory.entry_for_person(turn.session, turn.person)
    return entry.name if entry else None


def show_menu(turn: Turn) -> Reply:
    return Reply.of(menu_card(turn.lang, roles=menu_roles(turn)))


def unrecognised_text(turn: Turn) -> Reply:
    text = turn.request.text.strip()
    if not text:
        return Reply.of(error_card(turn.lang, "empty_message"))
    log.info("unrecognised text from person %s: %r", turn.person.id, text[:80])
    return Reply.of(menu_card(turn.lang, roles=menu_roles(turn), unrecognised=text))


def unknown_verb(turn: Turn) -> Reply:
    log.warning("unknown card verb %r from person %s", turn.request.verb, turn.person.id)
    return Reply.of(error_card(turn.lang, "unknown_verb"))


def coming_soon(feature_key: str) -> Handler:
    def handler(turn: Turn) -> Reply:
        return Reply.of(coming_soon_card(turn.lang, feature_key))

    handler.__name__ = f"coming_soon_{feature_key}"
    return handler
