"""Persisted conversation-flow state, one row per (person, flow), with optimistic concurrency."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, select

from store.models.core import FlowState, utcnow


class StaleFlowState(Exception):
    """Another turn changed this flow's state first (a double click, two devices)."""


@dataclass
class FlowSnapshot:
    flow: str
    state: str
    data: dict[str, Any] = field(default_factory=dict)
    version: int = 0  # 0: never saved


def load_flow(session: Session, *, person_id: int, flow: str, initial: str) -> FlowSnapshot:
    row = session.exec(select(FlowState).where(FlowState.person_id == person_id, FlowState.flow == flow)).first()
    if row is None:
        return FlowSnapshot(flow=flow, state=initial)
    return FlowSnapshot(flow=flow, state=row.state, data=dict(row.data), version=row.version)


def save_flow(session: Session, *, person_id: int, snapshot: FlowSnapshot) -> FlowSnapshot:
    """Write the new state only if nobody else wrote since it was loaded; raises StaleFlowState otherwise."""
    if snapshot.version == 0:
        session.add(FlowState(person_id=person_id, flow=snapshot.flow, state=snapshot.state, data=snapshot.data))
        session.flush()
        return FlowSnapshot(snapshot.flow, snapshot.state, snapshot.data, 1)
    result = session.execute(
        update(FlowState)
        .where(
            FlowState.person_id == person_id,
            FlowState.flow == snapshot.flow,
            FlowState.version == snapshot.version,
        )
        .values(state=snapshot.state, data=snapshot.data, version=snapshot.version + 1, updated_at=utcnow())
    )
    if result.rowcount != 1:
        raise StaleFlowState(f"flow {snapshot.flow!r} of person {person_id} changed concurrently")
    return FlowSnapshot(snapshot.flow, snapshot.state, snapshot.data, snapshot.version + 1)
