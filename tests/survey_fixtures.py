"""Test helpers for the digital maturity survey: an organisation of people in units, a round, the daily job,
and a person answering the survey in their chat the way they would, card by card."""

from __future__ import annotations

import argparse
import asyncio
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from bot.app import DATABASE, OUTBOX, dialog_config
from bot.cli import survey as survey_cli
from cards.walk import inputs as card_inputs
from scheduler.jobs import JobContext, run_survey_rounds
from store import directory
from tests.directory_fixtures import ORG, import_people, person_row, seed_organisation
from tests.fakes.activities import TeamsUser
from tests.harness import Chat, RunningBot, card_text, iter_actions, registered_user

INVITATION_TITLE = "Hur digitalt mogna är vi? Årets enkät är öppen"
REMINDER_TITLE = "Påminnelse: årets enkät om digital mognad"
READY_TITLE = "Resultatet av enkäten om digital mognad är klart"
START, NEXT, FINISH = "Svara på enkäten", "Nästa", "Skicka in mina svar"
OPENS, CLOSES = date(2026, 10, 1), date(2026, 10, 31)


@dataclass
class Staff:
    coordinator: TeamsUser
    people: dict[str, list[TeamsUser]]  # unit code -> people (the coordinator is the first of KF)

    @property
    def everyone(self) -> list[TeamsUser]:
        return [user for users in self.people.values() for user in users]


def make_staff(connector, tmp_path: Path, db, sizes: dict[str, int]) -> Staff:
    """People per unit of KF (Kulturförvaltningen) > SSB (Stadsbiblioteket), KH (Kulturhuset); the first person
    of KF coordinates. The organisation's tenant is the fake users' tenant."""
    people = {unit: [registered_user(connector, f"{unit} Person {i + 1}") for i in range(n)]
              for unit, n in sizes.items()}
    coordinator = people["KF"][0]
    seed_organisation(db, tenant_id=coordinator.tenant_id)
    report = import_people(db, tmp_path, [person_row(user, unit=unit) for unit, users in people.items()
                                          for user in users])
    assert report.ok, report.lines()
    with db.session() as session:
        directory.assign(session, organisation=directory.organisation_by_key(session, ORG),
                         email=coordinator.email, kind="coordinator")
    return Staff(coordinator, people)


def schedule(db, config, *, opens: date = OPENS, closes: date = CLOSES, min_group: int = 5) -> int:
    import io

    out = io.StringIO()
    args = argparse.Namespace(survey_command="schedule", org=[ORG], opens=opens, closes=closes, min_group=min_group)
    assert survey_cli.run(args, db, config, out=out) == 0
    return int(out.getvalue().split()[3])


async def run_job(bot: RunningBot, clock) -> int:
    """The scheduled job as it runs at its time, then the outbox until nothing is due."""
    context = JobContext(bot.app[DATABASE], clock, dialog_config(bot.settings))
    enqueued = await asyncio.to_thread(run_survey_rounds, context)
    await bot.app[OUTBOX].drain()
    return enqueued


def titled(chat: Chat, title: str) -> list[dict]:
    return [card for card in chat.cards() if title in card_text(card)]


def action_titles(card: dict) -> set[str]:
    return {action.get("title") for action in iter_actions(card)}


async def answer_survey(chat: Chat, start_card: dict, *, value: int, comment: str = "",
                        stop_after: int | None = None) -> dict:
    """Clicks Answer on the card, answers every statement of each dimension with `value` (0 = don't know),
    writes `comment` and sends; returns the last card seen. `stop_after` dimensions: stops there instead."""
    card = (await chat.click(start_card, START))[0]
    answered = 0
    while FINISH not in action_titles(card):
        if stop_after is not None and answered == stop_after:
            return card
        values = {element["id"]: str(value) for element in card_inputs(card)}
        assert values, card_text(card)
        card = (await chat.click(card, NEXT, values))[0]
        answered += 1
    if stop_after is not None and answered == stop_after:
        return card
    return (await chat.click(card, FINISH, {"comment": comment}))[0]
