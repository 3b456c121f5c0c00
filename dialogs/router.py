"""One routing table: card verbs and typed commands map to handlers; a new flow adds rows, not branches."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable, Mapping

from sqlmodel import Session

from dialogs.turn import Kind, Reply, Request, Sender, Turn
from store.models.core import Person

Handler = Callable[[Turn], Reply]
# The cards owed to a person before the turn's reply (a welcome they never had); [] when none.
Greeter = Callable[[Turn], list[dict[str, Any]]]
# Finds the sender together with what the turn is about to read anyway, in one statement; None when it
# cannot, and the sender is looked up as for any turn.
SenderLookup = Callable[[Session, Sender, Mapping[str, Any]], Person | None]

_SPACES = re.compile(r"\s+")
_TRAILING = re.compile(r"[\s.!?,;:]+$")


def normalise_command(text: str) -> str:
    """'  Min  Plan! ' and 'min plan' are the same command; Teams may add a trailing newline or punctuation."""
    return _TRAILING.sub("", _SPACES.sub(" ", text.strip().lower()))


@dataclass(frozen=True)
class Route:
    handler: Handler
    # Entry points are safe to start from any card or command; others need the flow's own data.
    entry: bool = False
    find_sender: SenderLookup | None = None


class Router:
    def __init__(
        self,
        routes: Mapping[str, Route],
        commands: Mapping[str, str],
        *,
        on_install: Handler,
        on_unrecognised_text: Handler,
        on_unknown_verb: Handler,
        greet_if_never_greeted: Greeter | None = None,
    ) -> None:
        unknown = {verb for verb in commands.values() if verb not in routes}
        if unknown:
            raise ValueError(f"commands point at verbs without a route: {sorted(unknown)}")
        self._routes = dict(routes)
        self._commands = {normalise_command(text): verb for text, verb in commands.items()}
        self._on_install = Route(on_install)
        self._on_unrecognised_text = Route(on_unrecognised_text)
        self._on_unknown_verb = Route(on_unknown_verb)
        # Every turn but the install event (which greets on its own) first asks this for an owed welcome.
        self.greet_if_never_greeted = greet_if_never_greeted

    def verb_for_text(self, text: str) -> str | None:
        return self._commands.get(normalise_command(text))

    def route(self, request: Request) -> Route:
        if request.kind is Kind.INSTALL:
            return self._on_install
        if request.kind is Kind.TEXT:
            verb = self.verb_for_text(request.text)
            return self._routes[verb] if verb else self._on_unrecognised_text
        return self._routes.get(request.verb or "") or self._on_unknown_verb

    def resolve(self, request: Request) -> Handler:
        return self.route(request).handler

    @property
    def verbs(self) -> frozenset[str]:
        return frozenset(self._routes)
