"""The tab's HTTP edge: the page shell, its content and downloads behind Teams SSO, and the team tab's
configuration page. Who the viewer is comes from the token (or, in local dev mode only, a picked identity);
what they may see is decided in dialogs/rules/report_access.py, never by the page.

  GET /tab                the shell: in Teams it gets a token with teams-js and loads /tab/content with it
  GET /tab/content        the view as an HTML fragment (Authorization: Bearer <Teams SSO token>)
  GET /tab/download/...   a table as CSV or XLSX, the ESF export, or "mina uppgifter" as JSON (same token)
  GET /tab/config         the configurable team tab's settings page
  GET /tab/static/...     CSS, our script and the vendored teams-js (scripts/vendor_tab_assets.sh)
"""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass
from html import escape
from pathlib import Path

from aiohttp import web

from bot.settings import Settings
from bot.tab import views
from bot.tab.sso import TokenRejected, TokenValidator
from bot.tab.tables import CSV_TYPE, XLSX_TYPE, to_csv, to_xlsx
from cards.i18n import Lang, lang_of, t
from dialogs.clock import Clock
from dialogs.rules.report_access import View
from store import audit, directory, reports
from store.db import Database
from store.models.directory import DirectoryEntry, Organisation

log = logging.getLogger(__name__)

STATIC = Path(__file__).parent / "static"
TEAMS_JS = STATIC / "vendor" / "MicrosoftTeams.min.js"
THEMES = ("default", "dark", "contrast")
VALIDATOR = web.AppKey("tab_token_validator", TokenValidator)


@dataclass(frozen=True)
class Refusal:
    """Why the page shows no data: a string key and the HTTP status."""

    key: str
    status: int


def add_tab_routes(app: web.Application, *, settings_key, database_key, clock_key) -> None:
    """Registers the tab's routes; the keys are bot.app's AppKeys (passed in, so this module needs no bot.app)."""
    handlers = _Handlers(settings_key, database_key, clock_key)
    app.router.add_get("/tab", handlers.shell)
    app.router.add_get("/tab/content", handlers.content)
    app.router.add_get("/tab/download/{name}.{fmt}", handlers.download)
    app.router.add_get("/tab/config", handlers.config)
    app.router.add_static("/tab/static", STATIC, follow_symlinks=False)


class _Handlers:
    def __init__(self, settings_key, database_key, clock_key) -> None:
        self.settings_key, self.database_key, self.clock_key = settings_key, database_key, clock_key

    def _parts(self, request: web.Request) -> tuple[Settings, Database, Clock]:
        app = request.app
        return app[self.settings_key], app[self.database_key], app[self.clock_key]

    def _validator(self, request: web.Request) -> TokenValidator:
        settings = request.app[self.settings_key]
        if VALIDATOR not in request.app:
            request.app[VALIDATOR] = TokenValidator(
                app_id=settings.app_id, hostname=settings.public_hostname,
                allowed_tenants=settings.allowed_tenant_ids, metadata_url=settings.tab_openid_metadata_url,
                required_tenant=settings.app_tenant_id if settings.app_type == "SingleTenant" else None)
        return request.app[VALIDATOR]

    # ---- the shell ------------------------------------------------------------------------------------------

    async def shell(self, request: web.Request) -> web.Response:
        settings, db, clock = self._parts(request)
        lang = _lang(request, settings)
        theme = request.query.get("theme") if request.query.get("theme") in THEMES else "default"
        if settings.dev_mode:
            body = await asyncio.to_thread(self._dev_body, request, settings, db, clock, lang)
            scripts = '<script src="/tab/static/tab.js" defer></script>'
        else:
            body = (f'<main id="content" aria-live="polite"><p>{escape(t(lang, "tab.loading"))}</p></main>'
                    f'<noscript><p>{escape(t(lang, "tab.refused.no_token"))}</p></noscript>')
            scripts = ('<script src="/tab/static/vendor/MicrosoftTeams.min.js" defer></script>'
                       '<script src="/tab/static/tab.js" defer></script>')
        return _html(_SHELL.format(lang=lang, theme=theme, title=escape(t(lang, "tab.title")), body=body,
                                   scripts=scripts, mode="dev" if settings.dev_mode else "sso"))

    def _dev_body(self, request: web.Request, settings: Settings, db: Database, clock: Clock, lang: Lang) -> str:
        """Local dev mode: no sign-in; the page lets you be one of the directory's people, and says so."""
        with db.session() as session:
            identities = reports.local_identities(session)
        chosen = request.query.get("as", "")
        options = "".join(f'<option value="{entry_id}"{" selected" if str(entry_id) == chosen else ""}>'
                          f'{escape(name)} ({escape(org)})</option>' for entry_id, name, org in identities)
        keep = "".join(f'<input type="hidden" name="{k}" value="{escape(request.query[k])}">'
                       for k in ("lang", "theme") if k in request.query)
        banner = (f'<div class="dev-banner" role="note"><p><strong>{escape(t(lang, "tab.dev.banner"))}</strong></p>'
                  f'<form method="get" action="/tab">{keep}<label>{escape(t(lang, "tab.dev.pick"))} '
                  f'<select name="as"><option value="">–</option>{options}</select></label> '
                  f'<button type="submit">{escape(t(lang, "tab.dev.open"))}</button></form></div>')
        if not chosen:
            return banner + f'<main id="content"><p>{escape(t(lang, "tab.dev.none"))}</p></main>'
        status, fragment = self._content(request, settings, db, clock, lang, identity=None)
        return banner + f'<main id="content">{fragment}</main>'

    # ---- content and downloads ------------------------------------------------------------------------------

    async def content(self, request: web.Request) -> web.Response:
        settings, db, clock = self._parts(request)
        lang = _lang(request, settings)
        identity = None
        if not settings.dev_mode:
            identity = await self._identity(request)
            if isinstance(identity, Refusal):
                return _html(_refusal(identity, lang), status=identity.status)
        status, fragment = await asyncio.to_thread(self._content, request, settings, db, clock, lang, identity)
        return _html(fragment, status=status)

    async def _identity(self, request: web.Request):
        header = request.headers.get("Authorization", "")
        token = header[7:].strip() if header.lower().startswith("bearer ") else None
        try:
            return await self._validator(request).validate(token)
        except TokenRejected as rejected:
            log.info("tab: token refused (%s) from %s", rejected.reason, request.remote)
            return Refusal("tab.refused.no_token" if rejected.reason == "missing" else "tab.refused.bad_token", 401)

    def _viewer(self, session, request: web.Request, settings: Settings, identity, now) -> views.Viewer | Refusal:
        if settings.dev_mode:
            try:
                entry = session.get(DirectoryEntry, int(request.query.get("as") or 0))
            except ValueError:
                entry = None
        else:
            entry = reports.entry_for_sign_in(session, tenant_id=identity.tenant_id,
                                              aad_object_id=identity.aad_object_id, upn=identity.upn)
        if entry is None or not entry.active:
            return Refusal("tab.refused.not_in_directory", 403)
        organisation = session.get(Organisation, entry.organisation_id)
        return views.Viewer(entry, organisation, directory.is_coordinator(session, entry),
                            directory.is_manager(session, entry, now=now))

    def _context(self, request: web.Request, settings: Settings, clock: Clock, lang: Lang) -> views.Context:
        keep = {k: request.query[k] for k in ("lang", "theme") if k in request.query}
        if settings.dev_mode and request.query.get("as"):
            keep["as"] = request.query["as"]
        return views.Context(lang, request.query, clock.now(), settings.tz, settings.report_min_group_size, keep)

    def _content(self, request, settings, db, clock, lang, identity) -> tuple[int, str]:
        ctx = self._context(request, settings, clock, lang)
        with db.session() as session:
            viewer = self._viewer(session, request, settings, identity, ctx.now)
            if isinstance(viewer, Refusal):
                return viewer.status, _refusal(viewer, lang)
            view = request.query.get("view") or viewer.views[0]
            if view not in viewer.views:
                return 403, views.nav(viewer, ctx, "") + _refusal(Refusal("tab.refused.view", 403), lang)
            page = views.RENDERERS[View(view)](session, viewer, ctx)
            return 200, views.nav(viewer, ctx, page.view) + f'<div class="view view-{page.view}">{page.body}</div>'

    async def download(self, request: web.Request) -> web.Response:
        settings, db, clock = self._parts(request)
        lang = _lang(request, settings)
        identity = None
        if not settings.dev_mode:
            identity = await self._identity(request)
            if isinstance(identity, Refusal):
                return _html(_refusal(identity, lang), status=identity.status)
        return await asyncio.to_thread(self._download, request, settings, db, clock, lang, identity)

    def _download(self, request, settings, db, clock, lang, identity) -> web.Response:
        name, fmt = request.match_info["name"], request.match_info["fmt"]
        ctx = self._context(request, settings, clock, lang)
        with db.session() as session:
            viewer = self._viewer(session, request, settings, identity, ctx.now)
            if isinstance(viewer, Refusal):
                return _html(_refusal(viewer, lang), status=viewer.status)
            if name == "mydata" and fmt == "json":
                data = views.my_data(session, viewer)
                return _attachment(json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8"),
                                   "application/json", "mina-uppgifter.json")
            if name not in views.DOWNLOADS or fmt not in ("csv", "xlsx"):
                raise web.HTTPNotFound()
            view, build = views.DOWNLOADS[name]
            if view not in viewer.views:
                return _html(_refusal(Refusal("tab.refused.view", 403), lang), status=403)
            table = build(session, viewer, ctx)
            if name == "esf":
                audit.record(session, actor_person_id=viewer.entry.person_id, action="report.esf_exported",
                             subject_type="organisation", subject_id=viewer.organisation.id,
                             details={"by": viewer.entry.email, "via": "tab", "format": fmt, "rows": len(table.rows),
                                      "from": ctx.query.get("from"), "to": ctx.query.get("to")})
        if fmt == "csv":
            return _attachment(to_csv(table), CSV_TYPE, f"{table.name}.csv")
        return _attachment(to_xlsx(table), XLSX_TYPE, f"{table.name}.xlsx")

    # ---- the team tab's configuration page ------------------------------------------------------------------

    async def config(self, request: web.Request) -> web.Response:
        settings = request.app[self.settings_key]
        lang = _lang(request, settings)
        body = (f'<main id="content"><h1>{escape(t(lang, "tab.config.title"))}</h1>'
                f'<p>{escape(t(lang, "tab.config.text"))}</p></main>')
        return _html(_SHELL.format(lang=lang, theme="default", title=escape(t(lang, "tab.config.title")), body=body,
                                   scripts='<script src="/tab/static/vendor/MicrosoftTeams.min.js" defer></script>'
                                           '<script src="/tab/static/tab.js" defer></script>',
                                   mode="config"))


def _lang(request: web.Request, settings: Settings) -> Lang:
    default = lang_of(settings.default_locale)
    return lang_of(request.query.get("lang") or request.headers.get("Accept-Language"), default)


def _refusal(refusal: Refusal, lang: Lang) -> str:
    return (f'<section class="refusal" role="alert"><h1>{escape(t(lang, refusal.key + ".title"))}</h1>'
            f'<p>{escape(t(lang, refusal.key))}</p></section>')


def _html(text: str, *, status: int = 200) -> web.Response:
    return web.Response(text=text, status=status, content_type="text/html", charset="utf-8",
                        headers={"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"})


def _attachment(data: bytes, content_type: str, filename: str) -> web.Response:
    return web.Response(body=data, headers={"Content-Type": content_type, "Cache-Control": "no-store",
                                            "Content-Disposition": f'attachment; filename="{filename}"'})


_SHELL = """<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title><link rel="stylesheet" href="/tab/static/tab.css"></head>
<body data-theme="{theme}" data-mode="{mode}">{body}{scripts}</body></html>"""
