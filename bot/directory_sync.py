"""Runs a directory sync from Microsoft Graph for one organisation: read (outside any transaction), then import.

Graph is read page by page into compact members (store.directory_sync), then imported in one transaction with
the CSV import's checks and report; the delta link is kept only after an import that went through, so a refused
or failed run is read again next time. New managers hear of plans waiting for them, as after a CSV import.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime

import requests

from bot.graph import GraphClient, MsalTokens
from bot.settings import Settings
from dialogs.config import DialogConfig
from dialogs.review import notify_new_managers
from store.db import Database
from store.directory_sync import (
    Member, SourceConflict, SyncResult, SyncRule, current_members, emails_of, finish_sync, import_members,
    merge_page, organisation_or_fail, source_of,
)
from store.models.core import utcnow
from store.models.directory_source import SourceKind


def graph_client_for(settings: Settings, tenant_id: str | None, *, session: requests.Session | None = None,
                     sleep: Callable[[float], None] = time.sleep) -> GraphClient:
    """A Graph client with the bot's own registration, for the organisation's tenant."""
    tenant = tenant_id or settings.app_tenant_id
    if not (settings.app_id and settings.app_password and tenant):
        raise SourceConflict("the Graph sync needs MICROSOFT_APP_ID, MICROSOFT_APP_PASSWORD and the organisation's "
                             "tenant (python -m bot organisation KEY --tenant ID, or MICROSOFT_APP_TENANT_ID)")
    http = session or requests.Session()
    tokens = MsalTokens(client_id=settings.app_id, client_secret=settings.app_password,
                        authority=f"{settings.graph_authority_host.rstrip('/')}/{tenant}", http_client=http)
    return GraphClient(base_url=settings.graph_base_url, token=tokens, session=http, sleep=sleep)


def sync_directory(db: Database, config: DialogConfig, graph: GraphClient, *, organisation_key: str,
                   dry_run: bool = False, full: bool = False, now: datetime | None = None) -> SyncResult:
    now = now or utcnow()
    with db.session() as session:
        organisation = organisation_or_fail(session, organisation_key)
        source = source_of(session, organisation.id)
        if source.kind != SourceKind.GRAPH:
            raise SourceConflict(f"{organisation.key} takes its directory from an HR file; set it up for Graph with "
                                 f"`python -m bot directory setup-graph --org {organisation.key} …`")
        rule = SyncRule.from_json(source.rule)
        delta_link = None if full else source.delta_link
    result = SyncResult(mode="delta" if delta_link else "full")
    if delta_link:
        members, leavers, manager_emails = _read_changes(db, graph, organisation.id, delta_link, rule, result)
    else:
        members, leavers, manager_emails = {}, None, None
        for page in graph.users_delta():
            merge_page(members, page.users, rule, result)
            result.delta_link = page.delta_link or result.delta_link
    result.throttled = graph.throttled
    with db.session() as session:
        organisation = organisation_or_fail(session, organisation_key)
        report = import_members(session, organisation=organisation, members=members, rule=rule, result=result,
                                now=now, dry_run=dry_run, leavers=leavers, manager_emails=manager_emails)
        if report.ok and not dry_run:
            notify_new_managers(session, report, now=now, config=config)
            finish_sync(session, organisation=organisation, result=result, now=now)
    return result


def _read_changes(db: Database, graph: GraphClient, organisation_id: int, delta_link: str, rule: SyncRule,
                  result: SyncResult) -> tuple[dict[str, Member], list[str], dict[str, str]]:
    """What changed since the last sync: the changed members (merged onto what the directory holds), the
    e-mails of those who left, and the e-mails of managers the changes name."""
    records = []
    for page in graph.users_delta(delta_link):
        records += page.users
        result.delta_link = page.delta_link or result.delta_link
    with db.session() as session:
        members = current_members(session, organisation_id, (str(r.get("id", "")) for r in records))
        before = {aad: member.email for aad, member in members.items()}
        left = merge_page(members, records, rule, result)
        managers = {m.manager_aad for m in members.values() if m.manager_aad} - set(members)
        manager_emails = emails_of(session, organisation_id, managers)
    return members, sorted(before[aad] for aad in left if aad in before), manager_emails
