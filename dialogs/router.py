"""One routing table: card verbs and typed commands map to handlers; a new flow adds rows, not branches."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Mapping

from dialogs.turn import Kind, Reply, Request, Turn

Handler = Callable[[Turn], Reply]

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


class Router:
    def __init__(
        self,
        routes: Mapping[str, Route],
        commands: Mapping[str, str],
        *,
        on_install: Handler,
        on_unrecognised_text: Handler,
        on_unknown_verb: Handler,
    ) -> None:
        unknown = {verb for verb in commands.values() if verb not in routes}
        if unknown:
            raise ValueError(f"commands point at verbs without a route: {sorted(unknown)}")
        self._routes = dict(routes)
        self._commands = {normalise_command(text): verb for text, verb in commands.items()}
        self._on_install = on_install
        self._on_unrecognised_text = on_unrecognised_text
        self._on_unknown_verb = on_unknown_verb

    def verb_for_text(self, text: str) -> str | None:
        return self._commands.get(normalise_command(text))

    def resolve(self, request: Request) -> Handler:
        if request.kind is Kind.INSTALL:
            return self._on_install
        if request.kind is Kind.TEXT:
            verb = self.verb_for_text(request.text)
            return self._routes[verb].handler if verb else self._on_unrecognised_text
        route = self._routes.get(request.verb or "")
        return route.handler if route else self._on_unknown_verb

    @property
    def verbs(self) -> frozenset[str]:
        return frozenset(self._routes)
