"""When a held notice arrives, in the words a person uses: now, today, tomorrow, a weekday within the week, a date."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from cards.notices import arrival
from dialogs.config import DialogConfig
from dialogs.notify import arrival_text

STOCKHOLM = ZoneInfo("Europe/Stockholm")
TUESDAY_EVENING = datetime(2026, 3, 10, 18, 30, tzinfo=STOCKHOLM)


@pytest.mark.parametrize(("at", "swedish", "english"), [
    (TUESDAY_EVENING, "nu", "now"),
    (TUESDAY_EVENING + timedelta(seconds=30), "nu", "now"),
    (datetime(2026, 3, 10, 20, 0, tzinfo=STOCKHOLM), "i dag kl. 20.00", "today at 20:00"),
    (datetime(2026, 3, 11, 8, 0, tzinfo=STOCKHOLM), "i morgon kl. 08.00", "tomorrow at 08:00"),
    (datetime(2026, 3, 16, 8, 0, tzinfo=STOCKHOLM), "på måndag kl. 08.00", "on Monday at 08:00"),
    (datetime(2026, 3, 17, 8, 0, tzinfo=STOCKHOLM), "den 17 mars kl. 08.00", "on 17 March at 08:00"),
])
def test_the_moment_is_said_as_a_person_would(at, swedish, english):
    assert arrival("sv", at, TUESDAY_EVENING) == swedish
    assert arrival("en", at, TUESDAY_EVENING) == english


def test_the_organisations_time_zone_decides_what_tomorrow_is():
    config = DialogConfig()
    late = datetime(2026, 12, 23, 22, 30, tzinfo=ZoneInfo("UTC"))  # 23:30 in Stockholm
    at = datetime(2026, 12, 24, 7, 0, tzinfo=ZoneInfo("UTC"))  # 08:00 in Stockholm the next day
    assert arrival_text("sv", at, now=late, config=config) == "i morgon kl. 08.00"
    closed = DialogConfig(closed_dates=frozenset({datetime(2026, 12, 24).date(), datetime(2026, 12, 25).date()}))
    assert arrival_text("sv", closed.next_sending_moment(late), now=late, config=closed) == "på måndag kl. 08.00"
