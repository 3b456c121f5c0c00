"""The routing table of the whole bot: every card verb and typed command, and the handler behind it."""

from __future__ import annotations

from cards.verbs import Verb
from dialogs import activities, assessment, broadcast, mydata, plan, profile, report, review, survey, welcome
from dialogs import activity_sessions
from dialogs.router import Route, Router

ROUTES: dict[str, Route] = {
    Verb.HELP: Route(welcome.show_menu, entry=True),
    Verb.ASSESSMENT_START: Route(assessment.start, entry=True),
    Verb.ASSESSMENT_MODE: Route(assessment.choose_mode),
    Verb.ASSESSMENT_ANSWER: Route(assessment.answer, find_sender=assessment.sender_with_named_assessment),
    Verb.ASSESSMENT_BACK: Route(assessment.back, find_sender=assessment.sender_with_named_assessment),
    Verb.ASSESSMENT_RESUME: Route(assessment.resume, entry=True),
    Verb.ASSESSMENT_RESTART: Route(assessment.restart),
    Verb.PROFILE_SHOW: Route(profile.show_profile, entry=True),
    Verb.HISTORY_SHOW: Route(profile.show_history, entry=True),
    Verb.TARGETS_SHOW: Route(profile.show_targets, entry=True),
    Verb.TARGETS_SET: Route(profile.set_targets),
    Verb.PLAN_SHOW: Route(plan.show_plan, entry=True),
    Verb.PLAN_EDIT: Route(plan.edit_plan),
    Verb.PLAN_SAVE: Route(plan.save_plan),
    Verb.PLAN_SUBMIT: Route(plan.submit_plan),
    Verb.PLAN_WITHDRAW: Route(plan.withdraw_plan),
    Verb.PLAN_ACKNOWLEDGE: Route(plan.acknowledge_plan),
    Verb.REVIEW_OPEN: Route(review.open_review, entry=True),
    Verb.REVIEW_SAVE: Route(review.save_review),
    Verb.REVIEW_APPROVE: Route(review.approve),
    Verb.REVIEW_CHANGES: Route(review.request_changes),
    Verb.ACTIVITIES_SHOW: Route(activities.show_activities, entry=True),
    Verb.TEAM_SHOW: Route(review.show_team, entry=True),
    Verb.ACTIVITY_NEW: Route(activities.new_activity, entry=True),
    Verb.BROADCAST_NEW: Route(broadcast.start, entry=True),
    Verb.REPORT_SHOW: Route(report.show_report, entry=True),
    Verb.SURVEY_START: Route(survey.start, entry=True),
    Verb.SURVEY_ANSWER: Route(survey.answer),
    Verb.SURVEY_BACK: Route(survey.back),
    Verb.SURVEY_FINISH: Route(survey.finish),
    Verb.SURVEY_RESULTS: Route(survey.show_results, entry=True),
    Verb.MY_DATA_SHOW: Route(mydata.show_my_data, entry=True),
    Verb.BROADCAST_PREVIEW: Route(broadcast.preview),
    Verb.BROADCAST_EDIT: Route(broadcast.edit),
    Verb.BROADCAST_DISCARD: Route(broadcast.discard),
    Verb.BROADCAST_SEND: Route(broadcast.send),
    Verb.BROADCAST_REPORT: Route(broadcast.report, entry=True),
    Verb.BROADCAST_CANCEL: Route(broadcast.cancel),
    Verb.BROADCAST_DOWNLOAD: Route(broadcast.download),
    # Learning activities (issue 13)
    Verb.ACTIVITY_OPEN: Route(activities.open_activity, entry=True),
    Verb.ACTIVITY_SIGN_UP: Route(activities.sign_up, entry=True),
    Verb.ACTIVITY_CANCEL_SIGNUP: Route(activities.cancel_signup),
    Verb.ACTIVITY_DECLINE: Route(activities.decline, entry=True),
    Verb.ACTIVITY_DONE: Route(activities.mark_done),
    Verb.ACTIVITIES_MINE: Route(activities.show_mine, entry=True),
    Verb.ACTIVITY_EDIT: Route(activities.edit_activity),
    Verb.ACTIVITY_SAVE: Route(activities.save_activity),
    Verb.ACTIVITY_PUBLISH: Route(activities.publish_activity),
    Verb.ACTIVITY_CANCEL: Route(activities.cancel_activity),
    Verb.ACTIVITY_ATTENDANCE: Route(activities.show_attendance),
    Verb.ACTIVITY_ATTENDANCE_SAVE: Route(activities.save_attendance),
    Verb.ACTIVITY_PLAN_ADD: Route(activities.add_to_plan),
    Verb.ACTIVITY_PLAN_REMOVE: Route(activities.remove_from_plan),
    Verb.ACTIVITY_SESSIONS: Route(activity_sessions.show_sessions),
    Verb.ACTIVITY_SESSION_CANCEL: Route(activity_sessions.cancel_session),
}

# Typed commands, Swedish first; the Teams command menu sends the same words.
COMMANDS: dict[str, str] = {
    "hjälp": Verb.HELP, "help": Verb.HELP, "meny": Verb.HELP, "menu": Verb.HELP, "?": Verb.HELP,
    "hej": Verb.HELP, "hello": Verb.HELP, "hi": Verb.HELP,
    "skattning": Verb.ASSESSMENT_START, "självskattning": Verb.ASSESSMENT_START,
    "assessment": Verb.ASSESSMENT_START, "self-assessment": Verb.ASSESSMENT_START,
    "min profil": Verb.PROFILE_SHOW, "profil": Verb.PROFILE_SHOW, "my profile": Verb.PROFILE_SHOW,
    "profile": Verb.PROFILE_SHOW,
    "fortsätt": Verb.ASSESSMENT_RESUME, "fortsätt skattningen": Verb.ASSESSMENT_RESUME,
    "continue": Verb.ASSESSMENT_RESUME, "resume": Verb.ASSESSMENT_RESUME,
    "historik": Verb.HISTORY_SHOW, "mina skattningar": Verb.HISTORY_SHOW, "history": Verb.HISTORY_SHOW,
    "mina mål": Verb.TARGETS_SHOW, "mål": Verb.TARGETS_SHOW, "my targets": Verb.TARGETS_SHOW,
    "targets": Verb.TARGETS_SHOW,
    "min plan": Verb.PLAN_SHOW, "plan": Verb.PLAN_SHOW, "my plan": Verb.PLAN_SHOW,
    "aktiviteter": Verb.ACTIVITIES_SHOW, "activities": Verb.ACTIVITIES_SHOW,
    "mina medarbetare": Verb.TEAM_SHOW, "my team": Verb.TEAM_SHOW,
    "ny aktivitet": Verb.ACTIVITY_NEW, "new activity": Verb.ACTIVITY_NEW,
    "utskick": Verb.BROADCAST_NEW, "broadcast": Verb.BROADCAST_NEW,
    "rapport": Verb.REPORT_SHOW, "report": Verb.REPORT_SHOW,
    "enkät": Verb.SURVEY_START, "enkäten": Verb.SURVEY_START, "mognadsmätning": Verb.SURVEY_START,
    "digital mognad": Verb.SURVEY_START, "survey": Verb.SURVEY_START, "maturity survey": Verb.SURVEY_START,
    "resultat": Verb.SURVEY_RESULTS, "enkätresultat": Verb.SURVEY_RESULTS, "results": Verb.SURVEY_RESULTS,
    "survey results": Verb.SURVEY_RESULTS,
    "mina uppgifter": Verb.MY_DATA_SHOW, "my data": Verb.MY_DATA_SHOW,
    "mina aktiviteter": Verb.ACTIVITIES_MINE, "my activities": Verb.ACTIVITIES_MINE,
    "mina anmälningar": Verb.ACTIVITIES_MINE, "my sign-ups": Verb.ACTIVITIES_MINE,
}


def build_router() -> Router:
    return Router(
        ROUTES,
        COMMANDS,
        on_install=welcome.greet,
        on_unrecognised_text=welcome.unrecognised_text,
        on_unknown_verb=welcome.unknown_verb,
        greet_if_never_greeted=welcome.greet_if_never_greeted,
    )
