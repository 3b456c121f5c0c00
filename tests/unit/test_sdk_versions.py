"""The SDK work-arounds that use private parts of botbuilder and msrest run only on the releases they were checked on."""

import pytest

from bot.sdk_fixes import PINNED_VERSIONS, UncheckedSdkVersion, check_pinned_versions


def test_the_installed_releases_are_the_checked_ones():
    check_pinned_versions()


def test_another_msrest_release_stops_the_bot_at_start_up_naming_it():
    def installed(package: str) -> str:
        return "0.7.2" if package == "msrest" else PINNED_VERSIONS[package]

    with pytest.raises(UncheckedSdkVersion, match=r"msrest 0\.7\.2 \(checked: 0\.7\.1\)"):
        check_pinned_versions(installed)


def test_a_missing_package_is_named_too():
    from importlib.metadata import PackageNotFoundError

    def installed(package: str) -> str:
        if package == "botframework-connector":
            raise PackageNotFoundError(package)
        return PINNED_VERSIONS[package]

    with pytest.raises(UncheckedSdkVersion, match="botframework-connector not installed"):
        check_pinned_versions(installed)
