"""scripts/dev.sh runs the bot with notifications on at any hour, so the README's local loop (send a plan, the
manager gets it) works in the evening and at weekends as well."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from pathlib import Path

from bot.app import dialog_config
from bot.settings import Settings

DEV_SH = Path(__file__).resolve().parents[2] / "scripts" / "dev.sh"


def _dev_defaults() -> dict[str, str]:
    """The variables dev.sh exports with a default (export NAME="${NAME:-value}")."""
    return dict(re.findall(r'^export (\w+)="\$\{\w+:-([^}]*)\}"', DEV_SH.read_text(encoding="utf-8"), re.M))


def test_dev_sh_sends_notifications_at_once_on_a_sunday_night():
    settings = Settings.from_env(_dev_defaults(), env_file=None)
    config = dialog_config(settings)
    for moment in (datetime(2026, 3, 15, 2, 30, tzinfo=timezone.utc),  # Sunday 03:30 in Stockholm
                   datetime(2026, 3, 13, 22, 59, 59, tzinfo=timezone.utc),  # Friday 23:59:59
                   datetime(2026, 3, 10, 23, 0, tzinfo=timezone.utc)):  # Wednesday 00:00
        assert config.next_sending_moment(moment) == moment


def test_without_dev_sh_the_weekday_working_hours_hold_notifications():
    config = dialog_config(Settings.from_env({}, env_file=None))
    sunday_night = datetime(2026, 3, 15, 2, 30, tzinfo=timezone.utc)
    assert config.next_sending_moment(sunday_night) == datetime(2026, 3, 16, 7, 0, tzinfo=timezone.utc)
