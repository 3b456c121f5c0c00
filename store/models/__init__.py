"""All table models; importing this package registers every table on SQLModel.metadata (for migrations)."""

from store.models.core import AuditEvent, FlowState, Person

__all__ = ["AuditEvent", "FlowState", "Person"]
