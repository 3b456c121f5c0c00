"""What the dialogs need to know about the deployment, handed down from the app's settings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class DialogConfig:
    default_locale: str = "sv-SE"
    time_zone: str = "Europe/Stockholm"
    working_hours_start: time = time(8, 0)
    working_hours_end: time = time(17, 0)
    # Whom people outside the directory should contact when their organisation has no coordinator.
    directory_contact: str | None = None

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)
