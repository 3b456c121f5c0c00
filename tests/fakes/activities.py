"""Builders for what Microsoft Teams posts to a bot's /api/messages, as JSON dicts.

Modelled on /work/shared/teams/activities.json: ids in Teams' formats, the tenant in both
conversation.tenantId and channelData.tenant.id, a clientInfo entity carrying the locale.
"""

from __future__ import annotations

import secrets
import string
import threading
import time
import unicodedata
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

TEAMS_SERVICE_URL = "https://smba.trafficmanager.net/emea/"
DEFAULT_TENANT_ID = "8e3f1d2a-7c4b-4a9e-9f0d-2b6c5a4e1f00"
ADAPTIVE_CARD_ACTION = "adaptiveCard/action"

# Teams' opaque ids (29: users, a: personal chats) are base64url-like strings starting with "1".
_OPAQUE_ALPHABET = string.ascii_letters + string.digits + "-_"
_message_id_lock = threading.Lock()
_last_message_id = 0


class BotAccount(NamedTuple):
    id: str
    name: str = "Kompetenslyft"

    @classmethod
    def for_app(cls, app_id: str, name: str = "Kompetenslyft") -> "BotAccount":
        """Teams addresses a bot as 28:<Microsoft app id>."""
        return cls(f"28:{app_id}", name)


DEFAULT_BOT = BotAccount("28:4b1f0c2e-9a7d-4e3b-8c5f-1d2e3f4a5b6c")


class TeamsIds(NamedTuple):
    teams_id: str
    aad_object_id: str
    conversation_id: str


def _opaque(length: int) -> str:
    return "1" + "".join(secrets.choice(_OPAQUE_ALPHABET) for _ in range(length - 1))


def new_teams_user_id() -> str:
    return f"29:{_opaque(72)}"


def new_personal_conversation_id() -> str:
    return f"a:{_opaque(90)}"


def new_message_id() -> str:
    """A 13-digit epoch-milliseconds id, as Teams gives messages; unique and increasing in this process."""
    global _last_message_id
    with _message_id_lock:
        _last_message_id = max(int(time.time() * 1000), _last_message_id + 1)
        return str(_last_message_id)


def new_invoke_id() -> str:
    # Teams gives invokes and system events ids like "f:5990393930853436149".
    return f"f:{secrets.randbelow(9 * 10**18) + 10**18}"


def make_teams_ids() -> TeamsIds:
    """A fresh 29: user id, AAD object id (GUID) and a: personal conversation id."""
    return TeamsIds(new_teams_user_id(), str(uuid.uuid4()), new_personal_conversation_id())


@dataclass(frozen=True)
class TeamsUser:
    tenant_id: str
    aad_object_id: str
    teams_id: str
    name: str
    conversation_id: str
    locale: str | None = "sv-SE"
    email: str = ""
    service_url: str = TEAMS_SERVICE_URL
    time_zone: str = "Europe/Stockholm"

    @classmethod
    def create(
        cls,
        name: str = "Anna Lindberg",
        *,
        tenant_id: str = DEFAULT_TENANT_ID,
        locale: str | None = "sv-SE",
        email: str | None = None,
        service_url: str = TEAMS_SERVICE_URL,
    ) -> "TeamsUser":
        ids = make_teams_ids()
        return cls(
            tenant_id=tenant_id,
            aad_object_id=ids.aad_object_id,
            teams_id=ids.teams_id,
            name=name,
            conversation_id=ids.conversation_id,
            locale=locale,
            email=email if email is not None else _email_for(name),
            service_url=service_url,
        )


def _email_for(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return ".".join(ascii_name.lower().split()) + "@stockholm.example"


def install(
    user: TeamsUser, service_url: str | None = None, locale: str | None = None, *,
    bot: BotAccount = DEFAULT_BOT, at: datetime | None = None,
) -> dict[str, Any]:
    """installationUpdate/add; Teams often sends it without a locale, so none unless given."""
    activity = _personal(user, "installationUpdate", new_invoke_id(), service_url, bot, at, locale=locale)
    activity["action"] = "add"
    activity["channelData"]["source"] = {"name": "message"}
    return activity


def uninstall(user: TeamsUser, service_url: str | None = None, *, bot: BotAccount = DEFAULT_BOT,
              at: datetime | None = None) -> dict[str, Any]:
    activity = _personal(user, "installationUpdate", new_invoke_id(), service_url, bot, at, locale=None)
    activity["action"] = "remove"
    return activity


def bot_added(user: TeamsUser, service_url: str | None = None, *, bot: BotAccount = DEFAULT_BOT,
              at: datetime | None = None) -> dict[str, Any]:
    """conversationUpdate with the bot in membersAdded, which follows the install in a personal chat."""
    activity = _personal(user, "conversationUpdate", new_invoke_id(), service_url, bot, at, locale=None)
    del activity["locale"]
    activity["membersAdded"] = [{"id": bot.id}]
    return activity


def text(user: TeamsUser, text: str, *, service_url: str | None = None, locale: str | None = None,
         bot: BotAccount = DEFAULT_BOT, at: datetime | None = None) -> dict[str, Any]:
    activity = _personal(user, "message", new_message_id(), service_url, bot, at, locale=locale or user.locale)
    activity["text"] = text
    activity["textFormat"] = "plain"
    return activity


def submit(user: TeamsUser, value: dict[str, Any], *, reply_to_id: str | None = None,
           service_url: str | None = None, locale: str | None = None,
           bot: BotAccount = DEFAULT_BOT, at: datetime | None = None) -> dict[str, Any]:
    """Action.Submit: a message with the card's inputs merged into its data as value, and no text."""
    activity = _personal(user, "message", new_message_id(), service_url, bot, at, locale=locale or user.locale)
    activity["replyToId"] = reply_to_id or new_message_id()
    activity["channelData"]["source"] = {"name": "message"}
    activity["channelData"]["legacy"] = {"replyToId": f"1:{_opaque(24)}"}
    activity["value"] = dict(value)
    return activity


def execute(user: TeamsUser, verb: str, data: dict[str, Any], *, reply_to_id: str | None = None,
            action_id: str | None = None, service_url: str | None = None, locale: str | None = None,
            bot: BotAccount = DEFAULT_BOT, at: datetime | None = None) -> dict[str, Any]:
    """Action.Execute: an adaptiveCard/action invoke; the bot answers it in the HTTP response."""
    activity = _personal(user, "invoke", new_invoke_id(), service_url, bot, at, locale=locale or user.locale)
    activity["name"] = ADAPTIVE_CARD_ACTION
    activity["replyToId"] = reply_to_id or new_message_id()
    action: dict[str, Any] = {"type": "Action.Execute", "verb": verb, "data": dict(data)}
    if action_id:
        action["id"] = action_id
    activity["value"] = {"action": action, "trigger": "manual"}
    return activity


def channel_mention(user: TeamsUser, text: str, *, team_id: str | None = None, channel_id: str | None = None,
                    service_url: str | None = None, locale: str | None = None,
                    bot: BotAccount = DEFAULT_BOT, at: datetime | None = None) -> dict[str, Any]:
    """A channel post that @-mentions the bot; Teams puts the mention markup in the text."""
    team_id = team_id or f"19:{_opaque(32)}@thread.tacv2"
    channel_id = channel_id or team_id
    message_id = new_message_id()
    activity = _personal(user, "message", message_id, service_url, bot, at, locale=locale or user.locale)
    activity.pop("localTimestamp", None)
    mention_markup = f"<at>{bot.name}</at>"
    activity["conversation"] = {
        "conversationType": "channel",
        "tenantId": user.tenant_id,
        "isGroup": True,
        "id": f"{channel_id};messageid={message_id}",
    }
    activity["channelData"].update(team={"id": team_id}, channel={"id": channel_id})
    activity["text"] = f"{mention_markup} {text}"
    activity["textFormat"] = "plain"
    mention = {"type": "mention", "text": mention_markup, "mentioned": {"id": bot.id, "name": bot.name}}
    activity["entities"] = [mention, *activity.get("entities", [])]
    return activity


def _personal(user: TeamsUser, activity_type: str, activity_id: str, service_url: str | None,
              bot: BotAccount, at: datetime | None, *, locale: str | None) -> dict[str, Any]:
    moment = (at or datetime.now(timezone.utc)).astimezone(timezone.utc)
    activity: dict[str, Any] = {
        "serviceUrl": service_url or user.service_url,
        "channelId": "msteams",
        "from": {"id": user.teams_id, "name": user.name, "aadObjectId": user.aad_object_id},
        "conversation": {"conversationType": "personal", "tenantId": user.tenant_id, "id": user.conversation_id},
        "recipient": {"id": bot.id, "name": bot.name},
        "channelData": {"tenant": {"id": user.tenant_id}},
        "type": activity_type,
        "id": activity_id,
        "timestamp": _iso(moment),
        "locale": locale,
    }
    if activity_type == "message":
        local = _local_time(moment, user.time_zone)
        if local:
            activity["localTimestamp"] = local
    if locale:
        activity["entities"] = [_client_info(locale, user.time_zone)]
    return activity


def _client_info(locale: str, time_zone: str) -> dict[str, str]:
    country = locale.split("-")[-1].upper() if "-" in locale else ""
    return {"type": "clientInfo", "locale": locale, "country": country, "platform": "Windows", "timezone": time_zone}


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _local_time(moment: datetime, time_zone: str) -> str | None:
    try:
        local = moment.astimezone(ZoneInfo(time_zone))
    except (ZoneInfoNotFoundError, ValueError):
        return None
    offset = local.strftime("%z")
    return local.strftime("%Y-%m-%dT%H:%M:%S.") + f"{local.microsecond // 1000:03d}{offset[:3]}:{offset[3:]}"
