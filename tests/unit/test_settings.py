"""Settings come from the environment and .env, and a bad value stops start-up with a message naming it."""

from datetime import time

import pytest

from bot.settings import DEFAULT_DATABASE_URL, Settings, SettingsError


def test_defaults_run_locally_in_dev_mode_on_sqlite_in_swedish():
    settings = Settings.from_env({}, env_file=None)

    assert (settings.host, settings.port) == ("127.0.0.1", 3978)
    assert settings.database_url == DEFAULT_DATABASE_URL
    assert settings.dev_mode
    assert settings.default_locale == "sv-SE" and settings.time_zone == "Europe/Stockholm"
    assert (settings.working_hours_start, settings.working_hours_end) == (time(8), time(17))


def test_environment_overrides_the_env_file(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text("PORT=4000\nDEFAULT_LOCALE=en-US\n# a comment\nALLOWED_TENANT_IDS=a, b\n")

    settings = Settings.from_env({"PORT": "5000"}, env_file=env_file)

    assert settings.port == 5000
    assert settings.default_locale == "en-US"
    assert settings.allowed_tenant_ids == frozenset({"a", "b"})
    assert settings.tenant_allowed("a") and not settings.tenant_allowed("c")


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"PORT": "http"}, "PORT"),
        ({"MICROSOFT_APP_ID": "x"}, "MICROSOFT_APP_PASSWORD"),
        ({"MICROSOFT_APP_ID": "x", "MICROSOFT_APP_PASSWORD": "y"}, "MICROSOFT_APP_TENANT_ID"),
        ({"MICROSOFT_APP_TYPE": "Everyone"}, "MICROSOFT_APP_TYPE"),
        ({"TIME_ZONE": "Mars/Olympus"}, "TIME_ZONE"),
        ({"DEFAULT_LOCALE": "de-DE"}, "DEFAULT_LOCALE"),
        ({"WORKING_HOURS": "17:00-08:00"}, "WORKING_HOURS"),
        ({"DATABASE_URL": "mysql://x"}, "DATABASE_URL"),
    ],
)
def test_a_bad_setting_is_refused_with_its_name(environ, message):
    with pytest.raises(SettingsError, match=message):
        Settings.from_env(environ, env_file=None)


def test_with_an_app_id_the_bot_is_not_in_dev_mode():
    settings = Settings.from_env(
        {"MICROSOFT_APP_ID": "id", "MICROSOFT_APP_PASSWORD": "pw", "MICROSOFT_APP_TENANT_ID": "tenant"}, env_file=None
    )
    assert not settings.dev_mode


def test_no_tenant_allow_list_allows_every_tenant():
    assert Settings().tenant_allowed("any")


def test_working_days_and_closed_dates_hold_notifications_over_weekends_and_holidays():
    from datetime import date, datetime, timezone

    settings = Settings.from_env({"WORKING_DAYS": "1-5", "CLOSED_DATES": "2026-12-24, 2026-12-25"}, env_file=None)
    from bot.app import dialog_config

    config = dialog_config(settings)
    christmas_eve_morning = datetime(2026, 12, 24, 9, 0, tzinfo=timezone.utc)
    # Thursday 24th and Friday 25th are closed, the weekend too: Monday 28th at 08:00 Stockholm (07:00 UTC).
    assert config.next_sending_moment(christmas_eve_morning) == datetime(2026, 12, 28, 7, 0, tzinfo=timezone.utc)
    assert settings.closed_dates == frozenset({date(2026, 12, 24), date(2026, 12, 25)})


def test_all_day_every_day_turns_quiet_hours_off():
    from datetime import datetime, timezone

    from bot.app import dialog_config

    settings = Settings.from_env({"WORKING_DAYS": "1-7", "WORKING_HOURS": "00:00-24:00"}, env_file=None)
    saturday_night = datetime(2026, 11, 28, 23, 30, tzinfo=timezone.utc)

    assert dialog_config(settings).next_sending_moment(saturday_night) == saturday_night


@pytest.mark.parametrize("value", ["0-5", "mon-fri", "5-1", "8", ""])
def test_bad_working_days_are_refused(value):
    with pytest.raises(SettingsError, match="WORKING_DAYS"):
        Settings.from_env({"WORKING_DAYS": value or ","}, env_file=None)
