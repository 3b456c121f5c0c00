"""What the dialogs need to know about the deployment, handed down from the app's settings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from dialogs.rules.working_hours import next_allowed_moment


@dataclass(frozen=True)
class DialogConfig:
    default_locale: str = "sv-SE"
    time_zone: str = "Europe/Stockholm"
    working_hours_start: time = time(8, 0)
    working_hours_end: time = time(17, 0)
    working_days: frozenset[int] = frozenset({1, 2, 3, 4, 5})  # ISO weekdays, 1 = Monday
    closed_dates: frozenset[date] = frozenset()
    # Whom people outside the directory should contact when their organisation has no coordinator.
    directory_contact: str | None = None
    # The tab's "Mina uppgifter" view (a Teams deep link; the local page in dev mode), for the "mina uppgifter" card.
    my_data_url: str | None = None
    # The tab's deep link with "{view}" where a view's name goes (bot/app.py tab_url_template), for "rapport".
    tab_url_template: str | None = None
    # Finished assessments and plans older than this many years are deleted by a scheduled job (audited).
    retention_years: int = 5
    # Broadcasts: the outbox's per-tenant send rate, OUTBOX_TENANT_RATE (for the report's estimated finish), and
    # where this app is reached from a browser (the report's download links).
    send_rate_per_second: float = 40.0
    public_base_url: str = "http://localhost:3978"

    def tab_url(self, view: str) -> str | None:
        """Where a card opens the tab at `view` (dialogs/rules/report_access.py View), or None if unknown."""
        return self.tab_url_template.replace("{view}", view) if self.tab_url_template else None

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    def next_sending_moment(self, moment: datetime) -> datetime:
        """When a message that is not a direct reply may go out: now, or when the next working window opens."""
        return next_allowed_moment(
            moment, tz=self.tz, start=self.working_hours_start, end=self.working_hours_end,
            workdays=frozenset(day - 1 for day in self.working_days), closed_dates=self.closed_dates,
        )
