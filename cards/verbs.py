"""Card action verbs, shared by the cards that carry them and the router that dispatches them."""

from enum import StrEnum


class Verb(StrEnum):
    HELP = "menu.help"
    ASSESSMENT_START = "assessment.start"
    PROFILE_SHOW = "profile.show"
    PLAN_SHOW = "plan.show"
    ACTIVITIES_SHOW = "activities.show"
    TEAM_SHOW = "team.show"
    ACTIVITY_NEW = "activity.new"
    BROADCAST_NEW = "broadcast.new"
    REPORT_SHOW = "report.show"
