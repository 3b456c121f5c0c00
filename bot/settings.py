"""One typed settings object, read from the environment (and an optional .env) and validated at start-up."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from datetime import date, time
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_DATABASE_URL = "sqlite:///./var/kompetenslyft.db"
APP_TYPES = ("MultiTenant", "SingleTenant", "UserAssignedMSI")
_QUIET_HOURS = re.compile(r"^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$")


class SettingsError(ValueError):
    """A setting is missing or malformed; the message names the variable."""


@dataclass(frozen=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 3978
    database_url: str = DEFAULT_DATABASE_URL
    app_id: str = ""
    app_password: str = ""
    # Azure stopped creating multi-tenant bots in July 2025: new registrations are single-tenant.
    app_type: str = "SingleTenant"
    app_tenant_id: str = ""
    allowed_tenant_ids: frozenset[str] = field(default_factory=frozenset)
    default_locale: str = "sv-SE"
    time_zone: str = "Europe/Stockholm"
    public_hostname: str = "localhost"
    app_version: str = "1.0.0"
    log_level: str = "INFO"
    # Messages that are not replies (reminders, notifications) go out on weekdays inside these hours only.
    working_hours_start: time = time(8, 0)
    working_hours_end: time = time(17, 0)
    # ISO weekday numbers (1 = Monday) on which such messages go out, and local dates on which they never do.
    working_days: frozenset[int] = frozenset({1, 2, 3, 4, 5})
    closed_dates: frozenset[date] = frozenset()
    run_scheduler: bool = True
    # Production runs migrations once, as a job (python -m bot migrate), so that replicas never race.
    migrate_on_start: bool = True
    # Local dev mode only: answer in this locale whatever the client says (the Agents Playground says en-US).
    dev_locale: str = ""
    # Whom people who are not in the directory should contact, when their organisation has no coordinator.
    directory_contact: str = ""
    # Microsoft Graph for the directory sync (bot/graph.py); other values only for sovereign clouds and tests.
    graph_base_url: str = "https://graph.microsoft.com/v1.0"
    graph_authority_host: str = "https://login.microsoftonline.com"
    # The app's id in the tenant's app catalog (Teams admin center), for installing it for people proactively.
    teams_catalog_app_id: str = ""
    # Outbox: sends per second to one tenant, all instances together (Teams allows 50 per app and tenant),
    # and how long sent messages are kept.
    outbox_tenant_rate: float = 40.0
    outbox_retention_days: int = 30
    # Longest an instance waits before looking for due messages nobody woke it for (enqueued elsewhere).
    outbox_poll_seconds: float = 5.0
    # Operations: "json" for one JSON object per log line; the key that turns people into log pseudonyms;
    # how long SIGTERM waits for turns and sends in flight.
    log_format: str = "plain"
    log_pseudonym_key: str = ""
    drain_seconds: float = 15.0
    # Only for offline tests: where the SDK fetches the channel's OpenID metadata and which issuer it trusts.
    openid_metadata_url: str = ""
    token_issuer: str = ""
    # The tab (bot/tab): where the signing keys of Teams SSO tokens are published (tests point it at a fake),
    # the anonymity threshold of every aggregate, and how many years finished assessments and plans are kept.
    tab_openid_metadata_url: str = "https://login.microsoftonline.com/common/v2.0/.well-known/openid-configuration"
    report_min_group_size: int = 5
    retention_years: int = 5

    @property
    def dev_mode(self) -> bool:
        """No app id: no authentication, for the Agents Playground and local tests."""
        return not self.app_id

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    def tenant_allowed(self, tenant_id: str | None) -> bool:
        if not self.allowed_tenant_ids:
            return True
        return tenant_id in self.allowed_tenant_ids

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, env_file: str | Path | None = ".env") -> "Settings":
        env = dict(_read_env_file(env_file)) if env_file else {}
        env.update(os.environ if environ is None else environ)
        get = lambda name, default="": (env.get(name) or default).strip()  # noqa: E731

        start, end = _parse_working_hours(get("WORKING_HOURS", "08:00-17:00"))
        settings = cls(
            host=get("HOST", "127.0.0.1"),
            port=_parse_port(get("PORT", "3978")),
            database_url=get("DATABASE_URL", DEFAULT_DATABASE_URL),
            app_id=get("MICROSOFT_APP_ID"),
            app_password=get("MICROSOFT_APP_PASSWORD"),
            app_type=get("MICROSOFT_APP_TYPE", "SingleTenant"),
            app_tenant_id=get("MICROSOFT_APP_TENANT_ID"),
            allowed_tenant_ids=frozenset(t.strip() for t in get("ALLOWED_TENANT_IDS").split(",") if t.strip()),
            default_locale=get("DEFAULT_LOCALE", "sv-SE"),
            time_zone=get("TIME_ZONE", "Europe/Stockholm"),
            public_hostname=get("PUBLIC_HOSTNAME", "localhost"),
            app_version=get("APP_VERSION", "1.0.0"),
            log_level=get("LOG_LEVEL", "INFO").upper(),
            working_hours_start=start,
            working_hours_end=end,
            working_days=_parse_working_days(get("WORKING_DAYS", "1-5")),
            closed_dates=_parse_dates(get("CLOSED_DATES")),
            run_scheduler=get("RUN_SCHEDULER", "true").lower() not in ("0", "false", "no"),
            migrate_on_start=get("MIGRATE_ON_START", "true").lower() not in ("0", "false", "no"),
            dev_locale=get("DEV_LOCALE"),
            directory_contact=get("DIRECTORY_CONTACT"),
            graph_base_url=get("GRAPH_BASE_URL", "https://graph.microsoft.com/v1.0"),
            graph_authority_host=get("GRAPH_AUTHORITY_HOST", "https://login.microsoftonline.com"),
            teams_catalog_app_id=get("TEAMS_CATALOG_APP_ID"),
            outbox_tenant_rate=_parse_positive("OUTBOX_TENANT_RATE", get("OUTBOX_TENANT_RATE", "40")),
            outbox_retention_days=_parse_whole("OUTBOX_RETENTION_DAYS", get("OUTBOX_RETENTION_DAYS", "30")),
            outbox_poll_seconds=_parse_positive("OUTBOX_POLL_SECONDS", get("OUTBOX_POLL_SECONDS", "5")),
            log_format=get("LOG_FORMAT", "plain").lower(),
            log_pseudonym_key=get("LOG_PSEUDONYM_KEY"),
            drain_seconds=_parse_positive("DRAIN_SECONDS", get("DRAIN_SECONDS", "15")),
            openid_metadata_url=get("BOT_OPENID_METADATA_URL"),
            token_issuer=get("BOT_TOKEN_ISSUER"),
            tab_openid_metadata_url=get("TAB_OPENID_METADATA_URL", cls.tab_openid_metadata_url),
            report_min_group_size=_parse_whole("REPORT_MIN_GROUP_SIZE", get("REPORT_MIN_GROUP_SIZE", "5")),
            retention_years=_parse_whole("RETENTION_YEARS", get("RETENTION_YEARS", "5")),
        )
        settings.validate()
        return settings

    def validate(self) -> None:
        if self.app_type not in APP_TYPES:
            raise SettingsError(f"MICROSOFT_APP_TYPE must be one of {', '.join(APP_TYPES)}, not {self.app_type!r}")
        if self.app_id and self.app_type != "UserAssignedMSI" and not self.app_password:
            raise SettingsError("MICROSOFT_APP_PASSWORD is required when MICROSOFT_APP_ID is set")
        if self.app_id and self.app_type == "SingleTenant" and not self.app_tenant_id:
            raise SettingsError("MICROSOFT_APP_TENANT_ID is required for MICROSOFT_APP_TYPE=SingleTenant")
        if self.dev_locale and not self.dev_locale.lower().startswith(("sv", "en")):
            raise SettingsError(f"DEV_LOCALE must be Swedish or English (sv-SE, en-US), not {self.dev_locale!r}")
        if not 3 <= self.report_min_group_size <= 25:
            # The survey's anonymity rule (dialogs/rules/anonymity.py) accepts k from 3 to 25.
            raise SettingsError(f"REPORT_MIN_GROUP_SIZE must be from 3 to 25, not {self.report_min_group_size}")
        if not self.default_locale.lower().startswith(("sv", "en")):
            raise SettingsError(f"DEFAULT_LOCALE must be Swedish or English (sv-SE, en-US), not {self.default_locale!r}")
        try:
            ZoneInfo(self.time_zone)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise SettingsError(f"TIME_ZONE {self.time_zone!r} is not a known time zone") from error
        if self.log_format not in ("plain", "json"):
            raise SettingsError(f"LOG_FORMAT must be plain or json, not {self.log_format!r}")
        # Without an app id nothing reaches real Teams (local runs against a fake connector, the benches).
        if self.outbox_tenant_rate > 50 and not self.dev_mode:
            raise SettingsError(f"OUTBOX_TENANT_RATE must not exceed Teams' 50 requests per second per tenant, "
                                f"not {self.outbox_tenant_rate:g}")
        if not self.database_url.startswith(("sqlite", "postgresql")):
            raise SettingsError("DATABASE_URL must be a sqlite:/// or postgresql+psycopg:// URL")


def _parse_positive(name: str, value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        number = 0.0
    if not number > 0:
        raise SettingsError(f"{name} must be a positive number, not {value!r}")
    return number


def _parse_port(value: str) -> int:
    if not value.isdigit() or not 0 < int(value) < 65536:
        raise SettingsError(f"PORT must be a number from 1 to 65535, not {value!r}")
    return int(value)


def _parse_whole(name: str, value: str) -> int:
    if not value.isdigit() or int(value) < 1:
        raise SettingsError(f"{name} must be a whole number of at least 1, not {value!r}")
    return int(value)


def _parse_working_days(value: str) -> frozenset[int]:
    """"1-5" (Monday to Friday), "1-7" or "1,2,3,4": ISO weekday numbers."""
    days: set[int] = set()
    for part in (p.strip() for p in value.split(",") if p.strip()):
        low, _, high = part.partition("-")
        if not low.isdigit() or (high and not high.isdigit()):
            raise SettingsError(f"WORKING_DAYS must look like 1-5 or 1,2,3 (1 = Monday), not {value!r}")
        first, last = int(low), int(high or low)
        if not 1 <= first <= last <= 7:
            raise SettingsError(f"WORKING_DAYS must name days from 1 (Monday) to 7 (Sunday), not {value!r}")
        days.update(range(first, last + 1))
    if not days:
        raise SettingsError("WORKING_DAYS must name at least one day")
    return frozenset(days)


def _parse_dates(value: str) -> frozenset[date]:
    try:
        return frozenset(date.fromisoformat(part.strip()) for part in value.split(",") if part.strip())
    except ValueError as error:
        raise SettingsError(f"CLOSED_DATES must be ISO dates separated by commas, not {value!r}") from error


def _parse_working_hours(value: str) -> tuple[time, time]:
    match = _QUIET_HOURS.match(value)
    if not match:
        raise SettingsError(f"WORKING_HOURS must look like 08:00-17:00, not {value!r}")
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    try:
        # "24:00" ends the window at midnight, so 00:00-24:00 means all day.
        start, end = time(h1, m1), (time.max if (h2, m2) == (24, 0) else time(h2, m2))
    except ValueError as error:
        raise SettingsError(f"WORKING_HOURS {value!r} is not a valid time range") from error
    if start >= end:
        raise SettingsError(f"WORKING_HOURS must start before it ends, not {value!r}")
    return start, end


def _read_env_file(path: str | Path) -> dict[str, str]:
    path = Path(path)
    if not path.is_file():
        return {}
    values = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        values[key.strip()] = value.strip().strip('"').strip("'")
    return values
