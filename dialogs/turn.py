"""A turn as the dialogs see it: who sent what, and what to answer. Plain data, no Bot Framework types."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Mapping

from sqlmodel import Session

from cards.i18n import Lang
from dialogs.config import DialogConfig
from store.models.core import Person


class Kind(StrEnum):
    INSTALL = "install"  # the app was added: greet
    TEXT = "text"  # a typed message or a command from the Teams command menu
    ACTION = "action"  # a card button: Action.Execute or Action.Submit


@dataclass(frozen=True)
class Sender:
    tenant_id: str
    teams_user_id: str
    aad_object_id: str | None = None
    name: str | None = None
    locale: str | None = None
    # From Teams' member lookup, made only while the person has no e-mail on record (to link the directory).
    email: str | None = None
    upn: str | None = None


@dataclass(frozen=True)
class Request:
    sender: Sender
    kind: Kind
    text: str = ""
    verb: str | None = None
    data: Mapping[str, Any] = field(default_factory=dict)
    # Action.Execute is answered in place: the reply's first card replaces the one clicked.
    via_execute: bool = False
    conversation_reference: dict[str, Any] | None = None


@dataclass
class Reply:
    cards: list[dict[str, Any]] = field(default_factory=list)
    # Set by the dispatcher: the turn committed a message to the outbox, so the worker should look now.
    outbox_enqueued: bool = False
    # Set by the dispatcher: the turn failed and was rolled back (the cards are the internal-error card).
    failed: bool = False
    # Set by the dispatcher: the welcome of a person never greeted (their install event failed), sent before
    # the cards: in front of them in a message's reply, as a message of its own beside an invoke's answer.
    greeting: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def of(cls, *cards: dict[str, Any]) -> "Reply":
        return cls(cards=list(cards))


@dataclass
class Turn:
    request: Request
    session: Session
    person: Person
    lang: Lang
    now: datetime
    config: DialogConfig

    @property
    def data(self) -> Mapping[str, Any]:
        return self.request.data
