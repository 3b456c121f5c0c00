"""Downloads a coordinator opens in the browser from a card: the not-reachable list of a broadcast as CSV.

Teams opens an Action.OpenUrl link in the browser, which carries no Teams identity, so the link itself
carries a short-lived random token that the report card's "Hämta" made for that coordinator
(docs/broadcast.md). The token, the broadcast and the person's coordinator role are all checked again here.
"""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web

from cards.i18n import lang_of
from dialogs.broadcast import not_reachable_csv as build_csv

log = logging.getLogger(__name__)


async def not_reachable_csv(request: web.Request) -> web.Response:
    from bot.app import CLOCK, DATABASE, SETTINGS  # the app module imports this one

    app = request.app
    broadcast_id = int(request.match_info["broadcast_id"])
    token = request.query.get("token", "")

    def build():
        with app[DATABASE].session() as session:
            return build_csv(session, broadcast_id=broadcast_id, token=token, now=app[CLOCK].now(),
                             lang=lang_of(app[SETTINGS].default_locale))

    result = await asyncio.to_thread(build) if token else None
    if result is None:
        log.warning("download of broadcast %s refused for %s: %s token", broadcast_id, request.remote,
                    "an invalid or expired" if token else "no")
        return web.Response(status=403, text="This link is not valid (any more). Ask for a new one on the report "
                                             "card in Teams.\n", headers={"Cache-Control": "no-store"})
    name, text = result
    # A byte-order mark, so that Excel reads the Swedish letters as UTF-8.
    return web.Response(body=("\ufeff" + text).encode("utf-8"), content_type="text/csv", charset="utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{name}"',
                                 "Cache-Control": "no-store", "Referrer-Policy": "no-referrer"})
