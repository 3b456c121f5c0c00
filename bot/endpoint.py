"""POST /api/messages: JSON in, authentication, tenant allow-list, the turn, and an honest HTTP status out.

This replaces CloudAdapter.process, which answers bad tokens with 500, passes an empty auth header that
the parameterized authentication cannot handle, and re-serializes invoke bodies that are already dicts.
"""

from __future__ import annotations

import asyncio
import json
import logging

from aiohttp import web
from botbuilder.core import Bot
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import ActivityTypes

from bot.activities import tenant_of
from bot.edge import Refused, fit_activity, read_body
from bot.inbound import read_activity
from bot.observability import note_activity
from bot.settings import Settings

log = logging.getLogger(__name__)

# How long a client may take (docs/edge.md): aiohttp closes a connection that has not sent a whole request's headers
# within IDLE_SECONDS of opening, or its next request within IDLE_SECONDS of the last answer (its keep-alive
# timer); the endpoint answers 408 and closes when the body is not in BODY_SECONDS after the headers.
IDLE_SECONDS = 15.0
BODY_SECONDS = 10.0


def server_options() -> dict[str, float]:
    """What `web.run_app` / `web.AppRunner` must be given for IDLE_SECONDS to hold."""
    return {"keepalive_timeout": IDLE_SECONDS}


SUPPORTED_TYPES = frozenset(
    {ActivityTypes.message, ActivityTypes.invoke, ActivityTypes.conversation_update, ActivityTypes.installation_update}
)


async def process_activity(request: web.Request, adapter: CloudAdapter, bot: Bot, settings: Settings) -> web.Response:
    try:
        raw = await asyncio.wait_for(request.read(), BODY_SECONDS)  # over client_max_size: aiohttp answers 413
    except asyncio.TimeoutError:
        log.warning("closed a connection whose body did not arrive within %g s", BODY_SECONDS)
        response = web.json_response({"error": f"the body did not arrive within {BODY_SECONDS:g} s"}, status=408)
        response.force_close()
        return response
    try:
        body = read_body(raw)
    except Refused as refused:
        log.warning("rejected a request body (%s bytes): %s", request.content_length, refused.reason)
        return web.json_response({"error": refused.reason}, status=refused.status)
    if not isinstance(body, dict) or not isinstance(body.get("type"), str):
        log.warning("rejected a JSON body that is not an activity")
        return web.json_response({"error": "body must be an activity with a type"}, status=400)
    note_activity(request, body, settings.log_pseudonym_key or settings.app_id)
    try:
        activity = read_activity(body)
    except Exception as error:  # a body of the wrong shape is left to msrest, which raises a handful of types
        log.warning("rejected a malformed activity: %s", error)
        return web.json_response({"error": "malformed activity"}, status=400)

    # The parameterized authentication treats only None as "no header"; "" crashes it.
    auth_header = request.headers.get("Authorization") or None
    try:
        auth_result = await adapter.bot_framework_authentication.authenticate_request(activity, auth_header)
    except Exception as error:  # invalid, expired or unknown-key tokens surface as assorted exceptions
        log.warning("rejected an activity that failed authentication: %s: %s", type(error).__name__, error)
        return web.json_response({"error": "unauthorized"}, status=401)

    tenant = tenant_of(activity)
    if not settings.tenant_allowed(tenant):
        log.warning("refused an activity from tenant %s, which is not in ALLOWED_TENANT_IDS", tenant)
        return web.json_response({"error": "tenant not allowed"}, status=403)

    if activity.type not in SUPPORTED_TYPES:
        log.info("ignored an activity of unsupported type %r", activity.type)
        return web.Response(status=200)
    try:
        fit_activity(activity)
    except Refused as refused:
        log.warning("rejected an activity: %s", refused.reason)
        return web.json_response({"error": refused.reason}, status=refused.status)

    invoke_response = await adapter.process_activity(auth_result, activity, bot.on_turn)
    if invoke_response:
        body = invoke_response.body
        if body is not None and not isinstance(body, (dict, list, str, int, float, bool)):
            body = body.serialize()
        return web.json_response(body, status=invoke_response.status, dumps=compact_json)
    return web.Response(status=201)


def compact_json(value) -> str:
    """Compact UTF-8 JSON, as Teams counts a message's size: no spaces after , and : (6 % of a 19 KB card), and
    å, ä, ö as themselves rather than \u00e5 escapes (an all-Swedish card is half the size)."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
