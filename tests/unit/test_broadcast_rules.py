"""The pure broadcast rules: reading the compose card (content, https links, time, audience), sub-units,
"this year", and the estimated finish inside working hours."""

from __future__ import annotations

from contextlib import nullcontext
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from dialogs.broadcast import estimated_finish
from dialogs.config import DialogConfig
from dialogs.rules.audience import (
    Audience, AudienceInvalid, Condition, has_gap_of_at_least, parse_audience, units_with_descendants, year_start,
)
from dialogs.rules.broadcast_content import (
    ActivityAnnouncement, ContentInvalid, OwnMessage, chosen_activity, content_from_json, parse_announcement,
    parse_message, parse_send_at,
)

STOCKHOLM = ZoneInfo("Europe/Stockholm")
NOW = datetime(2026, 3, 10, 9, 0, tzinfo=timezone.utc)  # Tuesday 10:00 in Stockholm
UNITS = {1: "Kulturförvaltningen", 2: "Stadsbiblioteket", 3: "Filial Kista", 4: "Kulturhuset"}
ROLES = {10: "Bibliotekarie", 11: "Pedagog"}
COMPETENCES = {"3.1": "Utveckla digitalt innehåll", "4.2": "Skydda personuppgifter och privatliv"}


def test_a_unit_brings_every_unit_below_it_but_not_its_siblings_or_parent():
    tree = {1: None, 2: 1, 3: 2, 4: 1, 5: 3}

    assert units_with_descendants([2], tree) == {2, 3, 5}
    assert units_with_descendants([3, 4], tree) == {3, 4, 5}
    assert units_with_descendants([1], tree) == {1, 2, 3, 4, 5}


def test_a_loop_in_a_unit_tree_does_not_hang_the_expansion():
    assert units_with_descendants([1], {1: 2, 2: 1}) == {1, 2}


def test_the_card_reads_into_an_audience_with_the_names_the_coordinator_saw():
    audience = parse_audience({"units": "2,4", "roles": "11", "condition": "gap", "competences": "4.2,3.1",
                               "min_gap": "3"}, units=UNITS, roles=ROLES, competences=COMPETENCES)

    assert audience == Audience(units=(2, 4), roles=(11,), condition=Condition.GAP, competences=("3.1", "4.2"),
                                min_gap=3)
    assert audience.labels["units"] == ("Stadsbiblioteket", "Kulturhuset")
    assert Audience.from_json(audience.to_json()) == audience


@pytest.mark.parametrize(("data", "key"), [
    ({"units": "99"}, "audience_unknown_unit"),
    ({"roles": "2; DROP TABLE"}, "audience_unknown_role"),
    ({"condition": "gap", "min_gap": "2"}, "audience_needs_competence"),
    ({"condition": "gap", "competences": "3.1", "min_gap": "0"}, "audience_bad_gap"),
    ({"condition": "gap", "competences": "3.1", "min_gap": "9"}, "audience_bad_gap"),
    ({"condition": "plan", "competences": "9.9"}, "malformed"),
    ({"condition": "everyone-and-their-dog"}, "malformed"),
])
def test_an_impossible_audience_is_refused_with_a_reason(data, key):
    with pytest.raises(AudienceInvalid) as refused:
        parse_audience(data, units=UNITS, roles=ROLES, competences=COMPETENCES)
    assert refused.value.key == key


def test_no_choice_means_the_whole_organisation():
    assert parse_audience({}, units=UNITS, roles=ROLES, competences=COMPETENCES) == Audience()


@pytest.mark.parametrize(("link", "ok"), [
    ("https://intranat.stockholm.se/kurs?id=3", True),
    ("http://intranat.stockholm.se/kurs", False),
    ("javascript:alert(1)", False),
    ("https://", False),
    ("intranat.stockholm.se", False),
    ("https://exempel.se/" + "a" * 600, False),
])
def test_links_and_images_must_be_absolute_https(link, ok):
    data = {"title": "Kurs", "text": "Välkommen", "link": link}
    if ok:
        assert parse_message(data).link == link
    else:
        with pytest.raises(ContentInvalid, match="https"):
            parse_message(data)
    with pytest.raises(ContentInvalid) if not ok else nullcontext():
        parse_message({"title": "Kurs", "text": "Välkommen", "image": link})


def test_a_message_needs_a_title_and_a_text_within_their_lengths():
    with pytest.raises(ContentInvalid) as empty:
        parse_message({"title": "  ", "text": "x"})
    with pytest.raises(ContentInvalid) as long:
        parse_message({"title": "x" * 121, "text": "x"})
    assert (empty.value.key, long.value.key) == ("broadcast_needs_text", "broadcast_too_long")
    message = parse_message({"title": " Kurs ", "text": "Välkommen!", "link": ""})
    assert message == OwnMessage("Kurs", "Välkommen!", None, None)
    assert content_from_json(message.to_json()) == message


def test_a_chosen_time_is_read_in_the_organisations_time_zone_and_must_lie_ahead():
    later = parse_send_at({"when": "later", "send_date": "2026-03-12", "send_time": "14:30"}, now=NOW, tz=STOCKHOLM)

    assert later == datetime(2026, 3, 12, 13, 30, tzinfo=timezone.utc)
    assert parse_send_at({"when": "now", "send_date": "2020-01-01"}, now=NOW, tz=STOCKHOLM) is None
    for date, time in (("2026-03-10", "09:59"), ("2027-03-10", "10:00"), ("10/3", "10:00"), ("2026-03-12", "")):
        with pytest.raises(ContentInvalid):
            parse_send_at({"when": "later", "send_date": date, "send_time": time}, now=NOW, tz=STOCKHOLM)


def test_this_year_starts_at_new_year_in_stockholm_not_in_utc():
    assert year_start(datetime(2026, 1, 1, 0, 30, tzinfo=STOCKHOLM), STOCKHOLM) == \
        datetime(2025, 12, 31, 23, 0, tzinfo=timezone.utc)


def test_the_gap_rule_counts_a_missing_level_as_zero_and_ignores_other_competences():
    assert has_gap_of_at_least({"3.1": None}, {"3.1": 2}, ["3.1"], 2)
    assert not has_gap_of_at_least({"3.1": 4}, {"3.1": 5, "4.2": 8}, ["3.1"], 2)
    assert has_gap_of_at_least({"3.1": 4}, {"3.1": 5, "4.2": 8}, ["3.1", "4.2"], 2)


def test_the_estimated_finish_continues_the_next_working_morning():
    config = DialogConfig()
    quarter_to_five = datetime(2026, 3, 13, 15, 45, tzinfo=timezone.utc)  # Friday 16:45 in Stockholm

    assert estimated_finish(NOW, 600, config) == NOW + timedelta(minutes=10)
    # 15 minutes on Friday, the other 15 on Monday from 08:00.
    assert estimated_finish(quarter_to_five, 1800, config) == datetime(2026, 3, 16, 7, 15, tzinfo=timezone.utc)


def test_the_estimated_finish_is_paced_by_the_outboxs_tenant_rate_setting():
    from bot.app import dialog_config
    from bot.settings import Settings

    slow = dialog_config(Settings(database_url="sqlite://", outbox_tenant_rate=20.0))
    usual = dialog_config(Settings(database_url="sqlite://"))

    assert estimated_finish(NOW, 1200 / slow.send_rate_per_second, slow) == NOW + timedelta(minutes=1)
    assert estimated_finish(NOW, 1200 / usual.send_rate_per_second, usual) == NOW + timedelta(seconds=30)


def test_an_activity_announcement_takes_the_activitys_title_unless_one_is_written_and_survives_storage():
    plain = parse_announcement({"title": " ", "text": ""}, activity_id=7, activity_title="Mobilfilm")
    written = parse_announcement({"title": "Platser kvar!", "text": "Välkommen."}, activity_id=7,
                                 activity_title="Mobilfilm")

    assert (plain.title, plain.text) == ("Mobilfilm", None)
    assert content_from_json(written.to_json()) == written == ActivityAnnouncement(7, "Platser kvar!", "Välkommen.")
    assert chosen_activity({"activity": ""}) is None and chosen_activity({"activity": "12"}) == 12
    with pytest.raises(ContentInvalid):
        chosen_activity({"activity": "12; drop"})
    with pytest.raises(ContentInvalid):
        parse_announcement({"text": "x" * 2001}, activity_id=7, activity_title="Mobilfilm")
