"""The tab's settings: the anonymity threshold is 3-25 (the survey's rule) and the retention period at least 1."""

import pytest

from bot.settings import Settings, SettingsError


def test_the_tab_settings_default_to_k_5_and_5_years_of_retention():
    settings = Settings.from_env({}, env_file=None)
    assert (settings.report_min_group_size, settings.retention_years) == (5, 5)
    assert settings.tab_openid_metadata_url.startswith("https://login.microsoftonline.com/common/v2.0/")


@pytest.mark.parametrize("name, value", [("REPORT_MIN_GROUP_SIZE", "0"), ("REPORT_MIN_GROUP_SIZE", "2"),
                                         ("REPORT_MIN_GROUP_SIZE", "26"), ("RETENTION_YEARS", "five")])
def test_a_threshold_outside_3_to_25_or_a_retention_that_is_not_a_number_stops_start_up_naming_it(name, value):
    with pytest.raises(SettingsError, match=name):
        Settings.from_env({name: value}, env_file=None)
