"""Card action verbs, shared by the cards that carry them and the router that dispatches them."""

from enum import StrEnum


class Verb(StrEnum):
    HELP = "menu.help"
    ASSESSMENT_START = "assessment.start"
    ASSESSMENT_MODE = "assessment.mode"
    ASSESSMENT_ANSWER = "assessment.answer"
    ASSESSMENT_BACK = "assessment.back"
    ASSESSMENT_RESUME = "assessment.resume"
    ASSESSMENT_RESTART = "assessment.restart"
    PROFILE_SHOW = "profile.show"
    HISTORY_SHOW = "history.show"
    TARGETS_SHOW = "targets.show"
    TARGETS_SET = "targets.set"
    PLAN_SHOW = "plan.show"
    ACTIVITIES_SHOW = "activities.show"
    TEAM_SHOW = "team.show"
    ACTIVITY_NEW = "activity.new"
    BROADCAST_NEW = "broadcast.new"
    REPORT_SHOW = "report.show"
