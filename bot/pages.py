"""The privacy notice and terms of use that the Teams app package links to, in Swedish and English."""

from __future__ import annotations

import html

from aiohttp import web

from cards.i18n import lang_of, t

_PAGE = """<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>{title}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:44rem;margin:2rem auto;padding:0 1rem;line-height:1.5}}</style>
</head><body><h1>{title}</h1>{paragraphs}<p><a href="?lang={other}">{switch}</a></p></body></html>"""


def _page(request: web.Request, prefix: str) -> web.Response:
    lang = lang_of(request.query.get("lang") or request.headers.get("Accept-Language", "sv"))
    paragraphs = "".join(f"<p>{html.escape(t(lang, f'{prefix}.p{i}'))}</p>" for i in range(1, 5))
    body = _PAGE.format(lang=lang, title=html.escape(t(lang, f"{prefix}.title")), paragraphs=paragraphs,
                        other="en" if lang == "sv" else "sv", switch=html.escape(t(lang, "pages.switch_language")))
    return web.Response(text=body, content_type="text/html")


async def privacy(request: web.Request) -> web.Response:
    return _page(request, "privacy")


async def terms(request: web.Request) -> web.Response:
    return _page(request, "terms")
