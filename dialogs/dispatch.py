"""Runs one turn: one database session, the sender resolved, the handler chosen, errors turned into cards."""

from __future__ import annotations

import logging
import secrets

from cards.address import ADDRESSEE_KEY, address_card
from cards.i18n import lang_of
from cards.notices import error_card
from dialogs.clock import Clock, SystemClock
from dialogs.config import DialogConfig
from dialogs.errors import UserFacingError
from dialogs.router import Router
from dialogs.turn import Kind, Reply, Request, Turn
from store.db import Database
from store.flow_state import StaleFlowState
from store.directory import remember_contact_details
from store.outbox import enqueued_in
from store.people import record_sender

log = logging.getLogger(__name__)


class Dispatcher:
    def __init__(self, db: Database, router: Router, config: DialogConfig, clock: Clock | None = None) -> None:
        self.db = db
        self.router = router
        self.config = config
        self.clock = clock or SystemClock()

    def handle(self, request: Request) -> Reply:
        """Blocking: runs in a worker thread so the event loop keeps serving other turns."""
        lang = lang_of(request.sender.locale or self.config.default_locale)
        person_id = None
        enqueued = False
        try:
            with self.db.session() as session:
                sender, now = request.sender, self.clock.now()
                route = self.router.route(request)
                person = record_sender(
                    session,
                    tenant_id=sender.tenant_id,
                    teams_user_id=sender.teams_user_id,
                    aad_object_id=sender.aad_object_id,
                    name=sender.name,
                    locale=sender.locale,
                    conversation_reference=request.conversation_reference,
                    now=now,
                    found=route.find_sender(session, sender, request.data) if route.find_sender else None,
                )
                person_id = person.id
                if sender.email or sender.upn:
                    remember_contact_details(session, person, email=sender.email, upn=sender.upn)
                lang = lang_of(person.locale or self.config.default_locale)
                _check_addressee(request, person.id)
                turn = Turn(request, session, person, lang, now, self.config)
                greeting = self._greeting(turn)
                reply = route.handler(turn)
                reply.greeting = greeting
                enqueued = enqueued_in(session)
        except UserFacingError as error:
            log.info("turn refused for person %s (%s %s): %s", person_id, request.kind, request.verb, error)
            reply = Reply.of(error_card(lang, error.key, **error.params))
        except StaleFlowState as error:
            log.info("concurrent change refused for person %s: %s", person_id, error)
            reply = Reply.of(error_card(lang, "stale"))
        except Exception:
            code = secrets.token_hex(3)
            log.exception("turn failed with error code %s (person %s, %s %s)", code, person_id, request.kind,
                          request.verb)
            reply = Reply.of(error_card(lang, "internal", code=code))
            reply.failed = True
        if person_id is not None:
            reply.cards = [address_card(card, person_id) for card in reply.cards]
            reply.greeting = [address_card(card, person_id) for card in reply.greeting]
        reply.outbox_enqueued = enqueued
        return reply

    def _greeting(self, turn: Turn) -> list[dict]:
        """Before the handler runs, so a turn that erases the person still finds their row."""
        if turn.request.kind is Kind.INSTALL or self.router.greet_if_never_greeted is None:
            return []
        return self.router.greet_if_never_greeted(turn)


def _check_addressee(request: Request, person_id: int) -> None:
    if request.kind is not Kind.ACTION or ADDRESSEE_KEY not in request.data:
        return
    addressee = request.data.get(ADDRESSEE_KEY)
    if str(addressee) != str(person_id):
        raise UserFacingError("not_addressee", f"card for person {addressee!r} clicked by person {person_id}")
