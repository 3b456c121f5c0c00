"""All table models; importing this package registers every table on SQLModel.metadata (for migrations)."""

from store.models.assessment import (
    Assessment, AssessmentLevel, PersonalTarget, PersonRole, RoleProfile, RoleTarget,
)
from store.models.core import AuditEvent, FlowState, Person
from store.models.directory import (
    DirectoryEntry, DirectoryRole, Organisation, OrganisationAssignment, StandIn, Unit,
)
from store.models.outbox import OutboxMessage, OutboxTenantPace
from store.models.plan import Plan, PlanComment, PlanVersion
from store.models.scheduler import scheduler_jobs

__all__ = [
    "AuditEvent", "FlowState", "Person",
    "Assessment", "AssessmentLevel", "PersonalTarget", "PersonRole", "RoleProfile", "RoleTarget",
    "DirectoryEntry", "DirectoryRole", "Organisation", "OrganisationAssignment", "StandIn", "Unit",
    "OutboxMessage", "OutboxTenantPace", "Plan", "PlanComment", "PlanVersion", "scheduler_jobs",
]
