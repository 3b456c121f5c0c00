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
