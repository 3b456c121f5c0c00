"""Conversation flows as explicit state machines: declared steps and transitions, persisted per person."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from sqlmodel import Session

from store.flow_state import FlowSnapshot, load_flow, save_flow


class InvalidTransition(Exception):
    pass


@dataclass(frozen=True)
class FlowDefinition:
    name: str
    initial: str
    transitions: Mapping[str, frozenset[str]]
    cancel_to: str

    def __post_init__(self) -> None:
        states = set(self.transitions)
        for source, targets in self.transitions.items():
            unknown = set(targets) - states
            if unknown:
                raise ValueError(f"flow {self.name}: {source} leads to undeclared states {sorted(unknown)}")
        if self.initial not in states or self.cancel_to not in states:
            raise ValueError(f"flow {self.name}: initial and cancel states must be declared")

    def can_go(self, source: str, target: str) -> bool:
        return target == self.cancel_to or target in self.transitions.get(source, frozenset())


class FlowRun:
    """One person's place in one flow for the length of a turn; `go` validates, `save` persists once."""

    def __init__(self, definition: FlowDefinition, session: Session, person_id: int) -> None:
        self.definition = definition
        self._session = session
        self._person_id = person_id
        self._snapshot: FlowSnapshot = load_flow(
            session, person_id=person_id, flow=definition.name, initial=definition.initial
        )

    @property
    def state(self) -> str:
        return self._snapshot.state

    @property
    def data(self) -> dict[str, Any]:
        return self._snapshot.data

    def go(self, target: str, **data: Any) -> None:
        if not self.definition.can_go(self.state, target):
            raise InvalidTransition(f"flow {self.definition.name}: {self.state} -> {target} is not allowed")
        self._snapshot = FlowSnapshot(self._snapshot.flow, target, {**self._snapshot.data, **data},
                                      self._snapshot.version)
        self._snapshot = save_flow(self._session, person_id=self._person_id, snapshot=self._snapshot)

    def cancel(self) -> None:
        self._snapshot = FlowSnapshot(self._snapshot.flow, self.definition.cancel_to, {}, self._snapshot.version)
        self._snapshot = save_flow(self._session, person_id=self._person_id, snapshot=self._snapshot)
