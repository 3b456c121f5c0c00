"""`python -m bot` for the Playground tests, with the app's clock moved forward to the next weekday 09:00.

Notifications (the manager's review card, the approval notice) wait for working hours on weekdays
(dialogs/notify.py); a test run in the evening or at a weekend would otherwise wait until Monday morning.
The clock goes in through `create_app`'s own `clock` parameter, which exists for tests. Everything else is the
unchanged `python -m bot`: its settings, logging, migrations and serving. The clock runs at real speed from
09:00 local time (TIME_ZONE) of the next weekday; it moves forward, never back, so that what the command line
wrote with the real time (a directory import) is already in the bot's past.
"""

from __future__ import annotations

import os
import sys
from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import bot.app
from dialogs.clock import SystemClock

WORKDAYS = range(5)  # Monday to Friday, as datetime.weekday() counts
MORNING = time(9, 0)
ANNOUNCEMENT = "e2e clock: the bot's time runs from"


def next_working_morning(now: datetime, tz: ZoneInfo) -> datetime:
    """09:00 local time on the first weekday whose 09:00 is after `now`."""
    day = now.astimezone(tz).date()
    while True:
        moment = datetime.combine(day, MORNING, tzinfo=tz)
        if day.weekday() in WORKDAYS and moment > now:
            return moment.astimezone(timezone.utc)
        day += timedelta(days=1)


class ShiftedClock(SystemClock):
    """The system clock plus a fixed offset: time passes as it really does, from another starting point."""

    def __init__(self, start: datetime) -> None:
        self.offset = start - super().now()

    def now(self) -> datetime:
        return super().now() + self.offset


def main() -> int:
    tz = ZoneInfo(os.environ.get("TIME_ZONE") or "Europe/Stockholm")
    clock = ShiftedClock(next_working_morning(datetime.now(timezone.utc), tz))
    real_create_app = bot.app.create_app

    def create_app(settings, **kwargs):
        kwargs.setdefault("clock", clock)
        print(f"{ANNOUNCEMENT} {clock.now().astimezone(tz).isoformat(timespec='seconds')}", flush=True)
        return real_create_app(settings, **kwargs)

    bot.app.create_app = create_app
    from bot.__main__ import main as bot_main  # imported after the patch: it looks create_app up in bot.app

    return bot_main([])


if __name__ == "__main__":
    sys.exit(main())
