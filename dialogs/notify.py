"""Notifications from a dialog or a job: a card for someone else, into the outbox in the same transaction.

The card is built in the recipient's language; it goes out at the next moment quiet hours allow.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlmodel import Session

from cards.i18n import Lang, lang_of
from cards.notices import arrival
from dialogs.config import DialogConfig
from store import outbox
from store.models.core import Person


def recipient_lang(person: Person, config: DialogConfig) -> Lang:
    return lang_of(person.locale or config.default_locale)


def quiet_hours_end(moment: datetime, config: DialogConfig) -> datetime:
    return config.next_sending_moment(moment)


def notify(session: Session, *, recipient: Person, campaign: str, card: Callable[[Lang], dict], now: datetime,
           config: DialogConfig) -> datetime | None:
    """Enqueues `card(lang)` for the recipient once per campaign. Returns when it goes out (now, or when quiet
    hours end) if this call enqueued it, None if the campaign had already enqueued it."""
    assert recipient.id is not None
    row = outbox.enqueue(session, campaign=campaign, recipient_person_id=recipient.id,
                         card=card(recipient_lang(recipient, config)), now=now,
                         not_before=quiet_hours_end(now, config))
    return row.not_before if row is not None else None


def arrival_text(lang: Lang, at: datetime, *, now: datetime, config: DialogConfig) -> str:
    """When a notice reaches its reader, for the sender: "nu", "i morgon kl. 08.00", ... in local time."""
    return arrival(lang, at.astimezone(config.tz), now.astimezone(config.tz))
