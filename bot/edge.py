"""What arrives at /api/messages is made to fit before a turn sees it: JSON read with a depth limit, text cleaned of
what no database column can hold, and ids and names measured against the columns they go into (store/limits.py).

A shape Teams never sends is refused with 400 here; a name or locale that is only too long is cut, with a log line.
"""

from __future__ import annotations

import json
import logging
import math
import re
from typing import Any

from botbuilder.schema import Activity

from bot.activities import tenant_of
from store.limits import column_limit
from store.models.core import Person

log = logging.getLogger(__name__)

# Teams' activities nest about 8 deep (an Action.Execute's inputs: value.action.data.<input>); cards our bot
# sends round-trip in card data a few levels more. Anything deeper is not from Teams, and much deeper would
# exhaust the interpreter's recursion in json, msrest or the database driver.
MAX_DEPTH = 32

# NUL: PostgreSQL's text columns cannot hold it. Lone surrogates ("\ud800" in JSON): no UTF-8 encoder can.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


class Refused(Exception):
    """A request answered with `status` and a one-line reason, before any turn runs."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def read_body(raw: bytes) -> Any:
    """The JSON value of a request body, its strings storable; Refused(400) for what is not JSON or nests too deep."""
    try:
        value = json.loads(raw, parse_constant=_no_constant, parse_float=_finite_float)
    except RecursionError:
        raise Refused(400, f"body nested more than {MAX_DEPTH} levels deep") from None
    except (ValueError, UnicodeDecodeError):  # JSONDecodeError is a ValueError; so is a number of 5,000 digits
        raise Refused(400, "body must be a JSON activity") from None
    return clean(value, 0)


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _finite_float(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):  # 1e400: JSON allows the digits, but no column or int() takes infinity
        raise ValueError(f"{text[:20]} is out of range")
    return number


def clean(value: Any, depth: int) -> Any:
    """`value` with NULs removed and lone surrogates replaced in every string and key (changed in place)."""
    if depth > MAX_DEPTH:
        raise Refused(400, f"body nested more than {MAX_DEPTH} levels deep")
    kind = type(value)
    if kind is str:
        return _clean_text(value) if _UNSTORABLE.search(value) else value
    if kind is dict:
        if any(_UNSTORABLE.search(key) for key in value):
            value = {_clean_text(key): item for key, item in value.items()}
        for key, item in value.items():
            if type(item) in (str, dict, list):
                value[key] = clean(item, depth + 1)
        return value
    if kind is list:
        for index, item in enumerate(value):
            if type(item) in (str, dict, list):
                value[index] = clean(item, depth + 1)
        return value
    return value


def _clean_text(text: str) -> str:
    return _UNSTORABLE.sub(lambda match: "" if match.group() == "\x00" else "\ufffd", text)


# The ids a turn stores, and the column each goes into. Teams' own are far shorter; a longer one is not Teams.
_ID_COLUMNS = (
    ("from.id", lambda a: a.from_property.id if a.from_property else None, "teams_user_id"),
    ("from.aadObjectId", lambda a: a.from_property.aad_object_id if a.from_property else None, "aad_object_id"),
    ("tenant", tenant_of, "tenant_id"),
    ("conversation.id", lambda a: a.conversation.id if a.conversation else None, "conversation_id"),
    ("serviceUrl", lambda a: a.service_url, "service_url"),
)


def fit_activity(activity: Activity) -> None:
    """Refuses (400) an activity whose ids do not fit their columns; cuts a name or locale that is too long."""
    for label, read, column in _ID_COLUMNS:
        value = read(activity)
        if value is not None and not isinstance(value, str):
            raise Refused(400, f"{label} is not a string")
        limit = column_limit(Person, column)
        if value and limit and len(value) > limit:
            raise Refused(400, f"{label} is {len(value)} characters long, more than the {limit} it may have")
    sender = activity.from_property
    if sender is not None and isinstance(sender.aad_object_id, str) and not sender.aad_object_id.strip():
        sender.aad_object_id = None  # "" is no AAD object id (and would be one shared by everyone who sends it)
    if sender is not None and isinstance(sender.name, str):
        # Blank is no name (a greeting says "Hej !" otherwise); surrounding white space is nobody's name either.
        sender.name = _cut(sender.name.strip(), "from.name", column_limit(Person, "name")) or None
    locale_limit = column_limit(Person, "locale")
    if isinstance(activity.locale, str):
        activity.locale = _cut(activity.locale, "locale", locale_limit)
    for entity in activity.entities or []:  # the clientInfo entity's locale, read when the activity has none
        properties = getattr(entity, "additional_properties", None)
        if isinstance(properties, dict) and isinstance(properties.get("locale"), str):
            properties["locale"] = _cut(properties["locale"], "clientInfo locale", locale_limit)


def _cut(text: str, label: str, limit: int | None) -> str:
    if limit is None or len(text) <= limit:
        return text
    log.warning("cut %s from %d to %d characters: %r...", label, len(text), limit, text[:40])
    return text[:limit]
