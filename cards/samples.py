"""Every card the bot can send, filled with realistic sample data: the input to export, schema and render checks.

Each feature module contributes a `SAMPLES` mapping of card variant name to a builder taking the language.
"""

from __future__ import annotations

from typing import Callable

from cards import (
    activities, assessment, broadcast, mydata, notices, plan, profile, reassessment, report, review, survey, welcome,
)
from cards import activity_changes, activity_sessions
from cards.i18n import Lang

SampleBuilder = Callable[[Lang], dict]

_CORE_SAMPLES: dict[str, SampleBuilder] = {
    "welcome": lambda lang: welcome.welcome_card(lang, name="Anna Lindberg"),
    "welcome-coordinator": lambda lang: welcome.welcome_card(
        lang, name="Karin Ek", roles=welcome.MenuRoles(manager=True, coordinator=True)
    ),
    "menu": lambda lang: welcome.menu_card(lang),
    "menu-manager-coordinator": lambda lang: welcome.menu_card(
        lang, roles=welcome.MenuRoles(manager=True, coordinator=True)),
    "menu-unrecognised": lambda lang: welcome.menu_card(lang, unrecognised="vad är klockan?"),
    "coming-soon": lambda lang: notices.coming_soon_card(lang, "activities"),
    "error-stale": lambda lang: notices.error_card(lang, "stale"),
    "error-internal": lambda lang: notices.error_card(lang, "internal", code="a1b2c3"),
}


def all_samples() -> dict[str, SampleBuilder]:
    samples: dict[str, SampleBuilder] = {}
    for contribution in _contributions():
        for name, builder in contribution.items():
            if name in samples:
                raise ValueError(f"card sample {name!r} is registered twice")
            samples[name] = builder
    return samples


def _contributions() -> list[dict[str, SampleBuilder]]:
    # Feature modules register here, one line each.
    return [_CORE_SAMPLES, assessment.SAMPLES, profile.SAMPLES, plan.SAMPLES, review.SAMPLES, reassessment.SAMPLES,
            survey.SAMPLES, mydata.SAMPLES, broadcast.SAMPLES, activities.SAMPLES, report.SAMPLES,
            activity_changes.SAMPLES, activity_sessions.SAMPLES]
