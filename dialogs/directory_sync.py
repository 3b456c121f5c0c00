"""Runs a directory sync from Microsoft Graph for one organisation: read (outside any transaction), then import.

The Graph client (bot/graph.py) is handed in, so this flow runs the same from the CLI and the nightly job.

Graph is read page by page into compact members (store.directory_sync), then imported in one transaction with
the CSV import's checks and report; the delta link is kept only after an import that went through, so a refused
or failed run is read again next time. New managers hear of plans waiting for them, as after a CSV import.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from datetime import datetime
from typing import Iterator, Protocol

from dialogs.config import DialogConfig
from dialogs.review import notify_new_managers
from store.db import Database
from store.directory_sync import (
    Member, SourceConflict, SyncResult, SyncRule, current_members, emails_of, finish_sync, import_members,
    merge_page, organisation_or_fail, people_without_the_app, record_installation, source_of,
)
from store.models.core import utcnow
from store.models.directory_source import InstallOutcome, SourceKind


class DeltaPageLike(Protocol):
    users: list
    delta_link: str | None


class UsersDelta(Protocol):
    """What the sync needs of bot.graph.GraphClient."""

    throttled: int

    def users_delta(self, delta_link: str | None = None) -> Iterator[DeltaPageLike]: ...


def sync_directory(db: Database, config: DialogConfig, graph: UsersDelta, *, organisation_key: str,
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


def _read_changes(db: Database, graph: UsersDelta, organisation_id: int, delta_link: str, rule: SyncRule,
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


class AppInstaller(Protocol):
    def install_app(self, user_id: str, teams_app_id: str) -> str: ...


def install_app_where_missing(db: Database, graph: AppInstaller, *, organisation_key: str, teams_app_id: str,
                              now: datetime | None = None, per_second: float = 10.0,
                              sleep: Callable[[float], None] = time.sleep, batch: int = 200) -> dict[str, int]:
    """Installs the Teams app for everyone in the organisation whom the bot cannot reach yet, so that survey
    invitations and broadcasts reach people who never opened it; records each outcome; returns the counts.

    Paced at `per_second` (well inside Graph's limits; 429s wait for Retry-After in the client), each batch
    committed on its own, so a stopped run keeps what it did and the next run goes on from there."""
    now = now or utcnow()
    if not teams_app_id:
        raise SourceConflict("set TEAMS_CATALOG_APP_ID to the app's id in the tenant's app catalog (Teams admin "
                             "center, the app's page) before installing it for people")
    with db.session() as session:
        organisation_id = organisation_or_fail(session, organisation_key).id
    counts: Counter[str] = Counter()
    after = 0
    while True:
        with db.session() as session:
            todo = people_without_the_app(session, organisation_id, limit=batch, after_entry_id=after)
        if not todo:
            return dict(counts)
        outcomes = []
        for entry_id, aad in todo:
            try:
                answer = graph.install_app(aad, teams_app_id)
            except Exception as error:  # one person's failure is recorded; the others go on
                answer, detail = "failed", str(error)[:200]
            else:
                detail = "the user is not in Entra ID" if answer == "not_found" else None
            outcome = answer if answer in (InstallOutcome.INSTALLED, InstallOutcome.ALREADY,
                                           InstallOutcome.BLOCKED) else InstallOutcome.FAILED
            outcomes.append((entry_id, outcome, detail))
            counts[outcome] += 1
            sleep(1 / per_second)
        with db.session() as session:
            for entry_id, outcome, detail in outcomes:
                record_installation(session, entry_id=entry_id, outcome=outcome, now=now, detail=detail)
        after = todo[-1][0]
