"""Shared set-up for the plan's scenario tests: Anna reports to Karin, and Anna opens a plan drafted from a finished
self-assessment."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from bot.app import DATABASE
from tests.directory_fixtures import give_finished_assessment, import_people, person_row, seed_organisation
from tests.fakes.activities import TeamsUser
from tests.harness import Chat, person_id_of


def import_anna_under_karin(bot, tmp_path: Path, anna: TeamsUser, karin: TeamsUser) -> None:
    seed_organisation(bot.app[DATABASE])
    report = import_people(bot.app[DATABASE], tmp_path, [person_row(karin, role="Chef"),
                                                         person_row(anna, manager=karin)])
    assert report.ok, report.errors


async def open_plan_draft(chat: Chat, bot, clock, *, assessed_days_ago: int) -> dict:
    """The employee writes once (so she is known), has a finished assessment, and asks for her plan."""
    await chat.say("hjälp")
    give_finished_assessment(bot.app[DATABASE], person_id_of(bot, chat.user),
                             now=clock.now() - timedelta(days=assessed_days_ago))
    return (await chat.say("min plan"))[0]
