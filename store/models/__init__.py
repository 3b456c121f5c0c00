"""All table models; importing this package registers every table on SQLModel.metadata (for migrations)."""

from store.models.activity import (
    Activity, ActivityCompetence, ActivityHours, ActivitySignup, PlanActivity,
)
from store.models.activity import ActivitySession
from store.models.assessment import (
    Assessment, AssessmentLevel, LevelSummary, PersonalTarget, PersonRole, RoleProfile, RoleTarget,
)
from store.models.broadcast import Broadcast, BroadcastUnaddressable, DownloadToken
from store.models.catalogue import ActivityCatalogue
from store.models.core import AuditEvent, FlowState, Person
from store.models.directory import (
    DirectoryEntry, DirectoryRole, Organisation, OrganisationAssignment, StandIn, Unit,
)
from store.models.directory_source import AppInstallation, DirectorySource
from store.models.outbox import OutboxMessage, OutboxTenantPace
from store.models.plan import Plan, PlanComment, PlanVersion
from store.models.scheduler import scheduler_jobs
from store.models.survey import SurveyDraft, SurveyInvitation, SurveyPending, SurveyResponse, SurveyRound

__all__ = [
    "AuditEvent", "FlowState", "Person",
    "Assessment", "AssessmentLevel", "LevelSummary", "PersonalTarget", "PersonRole", "RoleProfile", "RoleTarget",
    "DirectoryEntry", "DirectoryRole", "Organisation", "OrganisationAssignment", "StandIn", "Unit",
    "AppInstallation", "DirectorySource",
    "SurveyDraft", "SurveyInvitation", "SurveyPending", "SurveyResponse", "SurveyRound",
    "Broadcast", "BroadcastUnaddressable", "DownloadToken",
    "Activity", "ActivityCompetence", "ActivityHours", "ActivitySignup", "PlanActivity", "ActivityCatalogue",
    "ActivitySession",
    "OutboxMessage", "OutboxTenantPace", "Plan", "PlanComment", "PlanVersion", "scheduler_jobs",
]
