"""What an operator sees over HTTP: readiness, Prometheus metrics after real turns; and JSON log lines that
carry a turn's ids and a pseudonym, never a name or an e-mail address."""

from __future__ import annotations

import io
import json
import logging

from sqlalchemy import text

from bot.app import DATABASE
from bot.observability import ACTIVITY_ID, PERSON, TURN_ID, JsonFormatter, pseudonym
from tests.fakes import activities as teams


async def _text(bot, path: str) -> tuple[int, str]:
    async with bot._session.get(bot.url + path) as response:
        return response.status, await response.text()


async def test_readyz_says_ready_when_the_database_answers_at_the_migration_head(bot):
    response = await bot.get("/readyz")

    assert response.status == 200
    assert response.body["checks"] == {"database": True, "migrations": True}


async def test_readyz_says_not_ready_while_the_schema_is_behind_this_code(bot):
    with bot.app[DATABASE].engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '0003_directory_plan'"))

    response = await bot.get("/readyz")

    assert response.status == 503
    assert response.body["checks"]["migrations"] is False and response.body["revision"] == "0003_directory_plan"
    assert (await bot.get("/healthz")).status == 200, "alive all the same: liveness is not readiness"


async def test_metrics_count_turns_by_verb_and_outcome_and_show_the_outbox_and_the_pool(chat, bot):
    await chat.install()
    await chat.say("hjälp")

    status, body = await _text(bot, "/metrics")

    assert status == 200
    assert 'kompetenslyft_turns_total{outcome="ok",verb="text"} 1.0' in body
    assert 'kompetenslyft_turn_seconds_count{verb="text"} 1.0' in body
    assert 'kompetenslyft_turns_total{outcome="ok",verb="installationUpdate"} 1.0' in body
    assert "kompetenslyft_outbox_rows{" in body or "# TYPE kompetenslyft_outbox_rows gauge" in body
    assert 'kompetenslyft_db_pool_connections{state="checkedout"}' in body
    assert "kompetenslyft_scheduler_leader 0.0" in body, "tests run without the scheduler"


async def test_a_turn_with_an_unknown_verb_is_counted_under_a_fixed_label(chat, bot):
    await chat.install()
    await bot.post(teams.submit(chat.user, {"verb": "made.up.verb.12345"}, service_url=chat.service_url))

    _, body = await _text(bot, "/metrics")

    assert "made.up.verb" not in body, "labels come from a fixed set, whatever a client sends"
    assert 'verb="submit"' in body


def test_json_log_lines_carry_the_turn_and_a_pseudonym_and_mask_e_mail_addresses():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("test.json.logs")
    logger.addHandler(handler)
    logger.propagate = False
    person = pseudonym("key", "tenant", "aad-anna")
    tokens = [TURN_ID.set("turn-1"), ACTIVITY_ID.set("activity-1"), PERSON.set(person)]
    try:
        logger.warning("row 14: manager anna.lindberg@stockholm.se is not in the directory")
    finally:
        for var, token in zip((TURN_ID, ACTIVITY_ID, PERSON), tokens):
            var.reset(token)
        logger.removeHandler(handler)

    line = json.loads(stream.getvalue())
    assert (line["turn_id"], line["activity_id"], line["person"]) == ("turn-1", "activity-1", person)
    assert "anna" not in line["message"] and "<e-mail>" in line["message"]
    assert person == pseudonym("key", "tenant", "AAD-ANNA") != pseudonym("other key", "tenant", "aad-anna")
