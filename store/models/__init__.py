"""All table models; importing this package registers every table on SQLModel.metadata (for migrations)."""

from store.models.assessment import (
    Assessment, AssessmentLevel, PersonalTarget, PersonRole, RoleProfile, RoleTarget,
)
from store.models.core import AuditEvent, FlowState, Person

__all__ = [
    "AuditEvent", "FlowState", "Person",
    "Assessment", "AssessmentLevel", "PersonalTarget", "PersonRole", "RoleProfile", "RoleTarget",
]
