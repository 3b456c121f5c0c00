"""Test doubles for what lives outside the machine: Teams' connector, its token issuer, and Teams-shaped activities."""

from . import activities
from .activities import DEFAULT_BOT, BotAccount, TeamsIds, TeamsUser, make_teams_ids
from .connector import ADAPTIVE_CARD, FakeTeamsConnector, KnownUser, RecordedRequest, TeamsRateLimiter
from .openid import BOT_FRAMEWORK_ISSUER, FakeOpenIdServer, StaticTokenCredentialsFactory

__all__ = [
    "ADAPTIVE_CARD", "BOT_FRAMEWORK_ISSUER", "DEFAULT_BOT", "BotAccount", "FakeOpenIdServer", "FakeTeamsConnector",
    "KnownUser", "RecordedRequest", "StaticTokenCredentialsFactory", "TeamsIds", "TeamsRateLimiter", "TeamsUser",
    "activities", "make_teams_ids",
]
