"""Broadcasts (utskick): a coordinator composes a message, previews whom it reaches, sends it now or at a
chosen time, follows the delivery report, stops it, and downloads the list of people it did not reach.

Every step is decided on the server from the sender's own directory entry: only an active coordinator of
the organisation may compose, send, see or stop its broadcasts, whatever a card says. What is sent is the
draft kept in the flow state at preview, never the card's data, so a forged or stale "Skicka" cannot
change the message or the audience. The flow:

    idle --utskick--> composing --preview--> previewing --send--> idle (a broadcast exists)
                          ^                      |  \\--edit--> composing
                          +----- refused --------+   \\--discard--> idle

Recipients are put in the outbox in batches (store.broadcasts.fan_out): the first batch in the turn that
sends, the rest by the scheduler job `broadcasts` (scheduler/broadcasts.py), which also notices when a
broadcast is done and sends the coordinator the final summary.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session

from cards.activities import ActivityView
from cards.broadcast import (
    MAX_ACTIVITY_CHOICES, AudienceView, ComposeView, PreviewView, RecentView, ReportView, announcement_card,
    compose_card, discarded_card, download_card, message_card, preview_card, report_card,
)
from cards.i18n import Lang, t
from dialogs.activities import activity_view
from dialogs.config import DialogConfig
from dialogs.errors import UserFacingError
from dialogs.flow import FlowDefinition, FlowRun
from dialogs.notify import notify
from dialogs.rules.audience import (
    COMPETENCES_ID, CONDITION_ID, MIN_GAP_ID, ROLES_ID, UNITS_ID, Audience, AudienceInvalid, Condition, chosen_ids,
    parse_audience, units_with_descendants, year_start,
)
from dialogs.rules.broadcast_content import (
    ACTIVITY_ID, DATE_ID, IMAGE_ID, LINK_ID, TEXT_ID, TIME_ID, TITLE_ID, WHEN_ID, ActivityAnnouncement, Content,
    ContentInvalid, OwnMessage, chosen_activity, content_from_json, parse_announcement, parse_message, parse_send_at,
)
from dialogs.turn import Reply, Turn
from store import activities as activity_store, audit, broadcasts, directory
from store.models.activity import Activity
from store.digcomp import load_framework
from store.models.broadcast import Broadcast, BroadcastStatus
from store.models.core import Person
from store.models.directory import DirectoryEntry
from store.people import aware

log = logging.getLogger(__name__)

FLOW = FlowDefinition(
    name="broadcast",
    initial="idle",
    transitions={
        # A compose card from before (the chat keeps old cards) may be previewed again at any time.
        "idle": frozenset({"composing", "previewing"}),
        "composing": frozenset({"composing", "previewing"}),
        "previewing": frozenset({"composing", "previewing"}),
    },
    cancel_to="idle",
)
INPUT_IDS = (TITLE_ID, TEXT_ID, LINK_ID, IMAGE_ID, UNITS_ID, ROLES_ID, CONDITION_ID, COMPETENCES_ID, MIN_GAP_ID,
             WHEN_ID, DATE_ID, TIME_ID, ACTIVITY_ID)
# People put in the outbox by the turn that sends; a bigger audience continues in the scheduler job.
TURN_BATCH = 200
JOB_BATCH = 500
RECENT = 5
DOWNLOAD_VALID_FOR = timedelta(minutes=10)


# ---- who may ------------------------------------------------------------------------------------------------------

def _coordinator(turn: Turn) -> DirectoryEntry:
    """The sender's directory entry if they coordinate its organisation; refused and logged otherwise."""
    entry, coordinates = directory.entry_and_coordination(turn.session, turn.person)
    if entry is None or not coordinates:
        log.warning("broadcast action %s refused: person %s is not a coordinator (card data %s)",
                    turn.request.verb or turn.request.text, turn.person.id, _loggable(turn.data))
        raise UserFacingError("broadcast_not_coordinator", f"person {turn.person.id} is not a coordinator")
    return entry


def _broadcast_for(turn: Turn, *, for_update: bool = False) -> tuple[DirectoryEntry, Broadcast]:
    entry = _coordinator(turn)
    broadcast = broadcasts.broadcast_by_id(turn.session, turn.data.get("broadcast_id"), for_update=for_update)
    if broadcast is None:
        raise UserFacingError("broadcast_not_found", f"no broadcast {turn.data.get('broadcast_id')!r}")
    if broadcast.organisation_id != entry.organisation_id:
        log.warning("broadcast %s refused: person %s coordinates organisation %s, not %s", broadcast.id,
                    turn.person.id, entry.organisation_id, broadcast.organisation_id)
        raise UserFacingError("broadcast_not_coordinator", f"broadcast {broadcast.id} belongs to another organisation")
    return entry, broadcast


def _loggable(data: Any) -> dict[str, Any]:
    return {key: str(value)[:60] for key, value in dict(data).items()}


# ---- compose and preview -------------------------------------------------------------------------------------------

def _compose_view(turn: Turn, entry: DirectoryEntry, *, values: dict[str, str] | None = None,
                  notice: str | None = None) -> ComposeView:
    lists = broadcasts.compose_lists(turn.session, organisation_id=entry.organisation_id, now=turn.now,
                                     recent=RECENT, activities=MAX_ACTIVITY_CHOICES)  # one statement
    recent = [RecentView(b.id, content_from_json(b.content).title, _local(turn.config, b.created_at), b.status)
              for b in lists.recent]
    activities = [(str(a.id), _activity_choice_title(turn, a)) for a in lists.activities]
    return ComposeView(organisation=lists.organisation_name or "",
                       units=[(str(u.id), u.name) for u in lists.units],
                       roles=[(str(r), name) for r, name in lists.roles],
                       competences=_competence_choices(turn.lang), values=values or {}, recent=recent, notice=notice,
                       activities=activities)


def _activity_choice_title(turn: Turn, choice: broadcasts.ActivityChoice) -> str:
    other = choice.title_en if turn.lang == "sv" else choice.title_sv
    title = (choice.title_sv if turn.lang == "sv" else choice.title_en) or other or choice.key
    when = t(turn.lang, "broadcast.activity.self_paced") if choice.self_paced or choice.starts_at is None \
        else _local(turn.config, choice.starts_at)
    return f"{title[:70]} · {when}"


def _competence_choices(lang: Lang) -> list[tuple[str, str]]:
    framework = load_framework("2.2")
    return [(c.key, f"{c.key} {c.title.of(lang)}") for c in framework.competences]


def start(turn: Turn) -> Reply:
    """"utskick": an empty compose card (and the latest broadcasts with their reports)."""
    entry = _coordinator(turn)
    flow = FlowRun(FLOW, turn.session, turn.person.id)
    # From an activity's own card ("Skicka utskick om aktiviteten"): that activity is already chosen.
    values = {ACTIVITY_ID: str(turn.data["activity_id"])[:20]} if turn.data.get("activity_id") else {}
    flow.go("composing", values=values, draft=None)  # any earlier draft is dropped: a stale "Skicka" finds none
    return Reply.of(compose_card(turn.lang, view=_compose_view(turn, entry, values=values)))


def _inputs(turn: Turn) -> dict[str, str]:
    return {key: str(turn.data.get(key) or "").strip() for key in INPUT_IDS if turn.data.get(key) not in (None, "")}


@dataclass(frozen=True)
class _Draft:
    content: Content
    audience: Audience
    send_at: datetime | None
    activity: Activity | None = None


def _announceable(turn: Turn, entry: DirectoryEntry, activity_id: int) -> Activity | None:
    """The activity if this coordinator may announce it now: their organisation's, published, not started."""
    activity = activity_store.activity_by_id(turn.session, activity_id)
    if activity is None or activity.organisation_id != entry.organisation_id \
            or not activity_store.is_open_for_signup(activity, turn.now):
        return None
    return activity


def _read_content(turn: Turn, entry: DirectoryEntry, values: dict[str, str]) -> tuple[Content, Activity | None]:
    activity_id = chosen_activity(values)
    if activity_id is None:
        return parse_message(values), None
    activity = _announceable(turn, entry, activity_id)
    if activity is None:
        raise ContentInvalid("broadcast_bad_activity", f"activity {activity_id} cannot be announced by person "
                                                       f"{turn.person.id}")
    title = activity_view(activity, turn.lang, turn.config, now=turn.now).title
    return parse_announcement(values, activity_id=activity.id, activity_title=title), activity


def _read_draft(turn: Turn, entry: DirectoryEntry, values: dict[str, str],
                unit_table: dict[int, broadcasts.UnitRow] | None = None) -> _Draft:
    chosen_units = chosen_ids(values.get(UNITS_ID))
    units = broadcasts.active_names(unit_table, chosen_units) if unit_table is not None else \
        broadcasts.unit_names(turn.session, organisation_id=entry.organisation_id, unit_ids=chosen_units)
    roles = broadcasts.role_names(turn.session, organisation_id=entry.organisation_id,
                                  role_ids=chosen_ids(values.get(ROLES_ID)))
    competences = {key: title.split(" ", 1)[1] for key, title in _competence_choices(turn.lang)}
    content, activity = _read_content(turn, entry, values)
    return _Draft(content, parse_audience(values, units=units, roles=roles, competences=competences),
                  parse_send_at(values, now=turn.now, tz=turn.config.tz), activity)


def preview(turn: Turn) -> Reply:
    """Checks the card, counts the audience and shows the message as recipients will see it, with a few names."""
    entry = _coordinator(turn)
    values = _inputs(turn)
    flow = FlowRun(FLOW, turn.session, turn.person.id)
    # The chosen units' names and the tree under them: one read of the organisation's units.
    unit_table = broadcasts.unit_table(turn.session, organisation_id=entry.organisation_id) \
        if chosen_ids(values.get(UNITS_ID)) else None
    try:
        draft = _read_draft(turn, entry, values, unit_table)
    except (ContentInvalid, AudienceInvalid) as invalid:
        log.info("broadcast preview refused for person %s: %s", turn.person.id, invalid)
        flow.go("composing", values=values)
        notice = t(turn.lang, f"broadcast.invalid.{invalid.key}")
        return Reply.of(compose_card(turn.lang, view=_compose_view(turn, entry, values=values, notice=notice)))
    size = broadcasts.audience_size(turn.session, audience_query(
        turn.session, entry.organisation_id, draft.audience, now=turn.now, config=turn.config,
        tree=broadcasts.tree_of(unit_table) if unit_table is not None else None))
    token = secrets.token_hex(6)
    flow.go("previewing", values=values, draft=token, content=draft.content.to_json(),
            audience=draft.audience.to_json(), send_at=draft.send_at.isoformat() if draft.send_at else None)
    first = turn.config.next_sending_moment(draft.send_at or turn.now)
    content = draft.content
    announced = None if draft.activity is None else activity_view(draft.activity, turn.lang, turn.config,
                                                                    now=turn.now)
    view = PreviewView(
        draft=token, title=content.title, body=content.text or "", link=getattr(content, "link", None),
        image_url=getattr(content, "image_url", None), activity=announced, sender=entry.name,
        audience=audience_view(draft.audience), count=size.count, names=size.sample_names,
        unaddressable=size.unaddressable,
        send_text=_moment_text(turn, first) if (draft.send_at or first > turn.now) else t(turn.lang,
                                                                                         "broadcast.preview.now"),
        held=first > (draft.send_at or turn.now))
    return Reply.of(preview_card(turn.lang, view=view))


def edit(turn: Turn) -> Reply:
    entry = _coordinator(turn)
    flow = FlowRun(FLOW, turn.session, turn.person.id)
    values = dict(flow.data.get("values") or {})
    flow.go("composing", values=values)
    return Reply.of(compose_card(turn.lang, view=_compose_view(turn, entry, values=values)))


def discard(turn: Turn) -> Reply:
    FlowRun(FLOW, turn.session, turn.person.id).cancel()
    return Reply.of(discarded_card(turn.lang))


# ---- send --------------------------------------------------------------------------------------------------------

def send(turn: Turn) -> Reply:
    """Creates the broadcast from the previewed draft, records it in the audit trail, and queues the first batch."""
    entry = _coordinator(turn)
    flow = FlowRun(FLOW, turn.session, turn.person.id)
    data = flow.data
    if flow.state != "previewing" or not data.get("draft") or str(turn.data.get("draft")) != data["draft"]:
        raise UserFacingError("broadcast_no_draft", f"person {turn.person.id} sent draft {turn.data.get('draft')!r}, "
                                                    f"flow is {flow.state} with {data.get('draft')!r}")
    audience = Audience.from_json(data["audience"])
    content = content_from_json(data["content"])
    if isinstance(content, ActivityAnnouncement) and _announceable(turn, entry, content.activity_id) is None:
        raise UserFacingError("broadcast_activity_closed", f"activity {content.activity_id} closed after the preview")
    send_at = datetime.fromisoformat(data["send_at"]) if data.get("send_at") else turn.now
    query = audience_query(turn.session, entry.organisation_id, audience, now=turn.now, config=turn.config)
    count = broadcasts.audience_size(turn.session, query, sample=0).count
    if count == 0:
        raise UserFacingError("broadcast_no_draft", "the audience is empty now")
    broadcast = broadcasts.create_broadcast(
        turn.session, organisation_id=entry.organisation_id, created_by_person_id=turn.person.id,
        content=content.to_json(), audience=audience.to_json(), audience_count=count, send_at=send_at, now=turn.now)
    audit.record(turn.session, actor_person_id=turn.person.id, action="broadcast.created", subject_type="broadcast",
                 subject_id=broadcast.id,
                 details={"audience": audience.to_json(), "count": count, "title": content.title,
                          "kind": content.KIND, "activity_id": getattr(content, "activity_id", None),
                          "send_at": send_at.isoformat(), "organisation": entry.organisation_id})
    flow.cancel()
    fan_out_batch(turn.session, broadcast, config=turn.config, now=turn.now, limit=TURN_BATCH)
    log.info("broadcast %s created by person %s for %s people", broadcast.id, turn.person.id, count)
    return Reply.of(report_card(turn.lang, view=report_view(turn.session, broadcast, lang=turn.lang,
                                                            config=turn.config, now=turn.now,
                                                            viewer=turn.person)))


def audience_query(session: Session, organisation_id: int, audience: Audience, *, now: datetime,
                   config: DialogConfig, tree: dict[int, int | None] | None = None) -> broadcasts.AudienceQuery:
    """The rule's pure parts worked out: chosen units with every unit below them, and this year's start.
    `tree`: the organisation's unit tree, when the caller has read it already."""
    unit_ids = None
    if audience.units:
        if tree is None:
            tree = broadcasts.unit_tree(session, organisation_id=organisation_id)
        unit_ids = units_with_descendants(audience.units, tree)
    return broadcasts.AudienceQuery(
        organisation_id=organisation_id, unit_ids=unit_ids,
        role_ids=frozenset(audience.roles) if audience.roles else None, condition=str(audience.condition),
        competences=audience.competences, min_gap=audience.min_gap,
        assessed_since=year_start(now, config.tz) if audience.condition is Condition.NOT_ASSESSED else None)


def recipient_card(content: Content, lang: Lang, *, sender: str | None, activity: ActivityView | None = None
                   ) -> dict:
    """The card one recipient gets. An activity announcement is the activity (`activity`, in the recipient's
    language) with "Anmäl mig" / "Inte intresserad", whose verbs the activities flow answers."""
    if isinstance(content, OwnMessage):
        return message_card(lang, title=content.title, body=content.text, link=content.link,
                            image_url=content.image_url, sender=sender)
    if isinstance(content, ActivityAnnouncement) and activity is not None:
        return announcement_card(lang, activity=activity, title=content.title, note=content.text, sender=sender)
    raise TypeError(f"no recipient card for broadcast content {type(content).__name__}")


def fan_out_batch(session: Session, broadcast: Broadcast, *, config: DialogConfig, now: datetime,
                  limit: int) -> broadcasts.FanOutBatch:
    """Puts the next batch of recipients in the outbox, each card in the recipient's language."""
    content = content_from_json(broadcast.content)
    creator = session.get(Person, broadcast.created_by_person_id)
    creator_entry = directory.entry_for_person_id(session, broadcast.created_by_person_id)
    sender = creator_entry.name if creator_entry else (creator.name if creator else None)
    # An announced activity is shown as it is now (places left), once per batch and language.
    activity = activity_store.activity_by_id(session, content.activity_id) \
        if isinstance(content, ActivityAnnouncement) else None
    built: dict[Lang, dict] = {}

    def card_for(locale: str | None) -> dict:
        lang: Lang = "en" if (locale or config.default_locale).lower().startswith("en") else "sv"
        if lang not in built:
            view = None if activity is None else activity_view(activity, lang, config, now=now)
            built[lang] = recipient_card(content, lang, sender=sender, activity=view)
        return built[lang]

    # The audience's year is the one the broadcast was confirmed in, however long the fan-out takes.
    query = audience_query(session, broadcast.organisation_id, Audience.from_json(broadcast.audience),
                           now=aware(broadcast.created_at), config=config)
    tenant = broadcasts.tenant_for(session, broadcast.organisation_id, creator.tenant_id if creator else "")
    not_before = config.next_sending_moment(max(now, aware(broadcast.send_at)))
    return broadcasts.fan_out(session, broadcast, query, card_for=card_for, tenant_id=tenant, not_before=not_before,
                              now=now, limit=limit)


def finish_if_done(session: Session, broadcast: Broadcast, *, config: DialogConfig, now: datetime) -> bool:
    """A broadcast whose every recipient is queued and nothing is left unsent is done: the summary goes to
    the coordinator who sent it (through the outbox, so quiet hours hold it like any notice)."""
    if broadcast.status != BroadcastStatus.SENDING or broadcasts.has_unsent(session, broadcast):
        return False
    broadcasts.mark_done(session, broadcast, now=now)
    counts = broadcasts.delivery_counts(session, broadcast)
    audit.record(session, actor_person_id=None, action="broadcast.finished", subject_type="broadcast",
                 subject_id=broadcast.id, details={"sent": counts.sent, "failed": counts.failed,
                                                   "unreachable": counts.unreachable, "blocked": counts.blocked})
    creator = session.get(Person, broadcast.created_by_person_id)
    if creator is not None and not (creator.teams_user_id or "").startswith("erased:"):
        notify(session, recipient=creator, campaign=f"broadcast-summary:{broadcast.id}",
               card=lambda lang: report_card(lang, view=report_view(session, broadcast, lang=lang, config=config,
                                                                    now=now, final=True)),
               now=now, config=config)
    log.info("broadcast %s done: %s sent, %s failed, %s not reachable", broadcast.id, counts.sent, counts.failed,
             counts.unreachable)
    return True


# ---- report, cancel, download --------------------------------------------------------------------------------------

def report(turn: Turn) -> Reply:
    _, broadcast = _broadcast_for(turn)
    return Reply.of(report_card(turn.lang, view=report_view(turn.session, broadcast, lang=turn.lang,
                                                            config=turn.config, now=turn.now, viewer=turn.person)))


def cancel(turn: Turn) -> Reply:
    _, broadcast = _broadcast_for(turn, for_update=True)
    if broadcast.status not in (BroadcastStatus.QUEUING, BroadcastStatus.SENDING):
        raise UserFacingError("broadcast_finished", f"broadcast {broadcast.id} is {broadcast.status}")
    stopped = broadcasts.cancel_unsent(turn.session, broadcast, now=turn.now)
    audit.record(turn.session, actor_person_id=turn.person.id, action="broadcast.cancelled", subject_type="broadcast",
                 subject_id=broadcast.id, details={"unsent": stopped, "queued": broadcast.queued})
    log.info("broadcast %s cancelled by person %s: %s unsent messages stopped", broadcast.id, turn.person.id, stopped)
    return Reply.of(report_card(turn.lang, view=report_view(turn.session, broadcast, lang=turn.lang,
                                                            config=turn.config, now=turn.now, viewer=turn.person)))


def download(turn: Turn) -> Reply:
    """A link to the not-reachable list as CSV, valid for a few minutes and only for this coordinator."""
    _, broadcast = _broadcast_for(turn)
    rows = len(broadcasts.not_reachable(turn.session, broadcast))
    token = broadcasts.issue_download_token(turn.session, person_id=turn.person.id, broadcast_id=broadcast.id,
                                            now=turn.now, valid_for=DOWNLOAD_VALID_FOR)
    url = f"{turn.config.public_base_url.rstrip('/')}{download_path(broadcast.id)}?token={token}"
    return Reply.of(download_card(turn.lang, title=_content(broadcast).title, url=url,
                                  minutes=int(DOWNLOAD_VALID_FOR.total_seconds() // 60), rows=rows))


def download_path(broadcast_id: int) -> str:
    return f"/downloads/broadcasts/{broadcast_id}/not-reachable.csv"


def not_reachable_csv(session: Session, *, broadcast_id: int, token: str, now: datetime, lang: Lang = "sv"
                      ) -> tuple[str, str] | None:
    """(file name, CSV text) when the token is valid for this broadcast and its person still coordinates the
    broadcast's organisation; None otherwise (the caller answers 403 and logs). Each download is audited."""
    import csv
    import io

    person_id = broadcasts.redeem_download_token(session, token=token, broadcast_id=broadcast_id, now=now)
    broadcast = broadcasts.broadcast_by_id(session, broadcast_id)
    if person_id is None or broadcast is None:
        return None
    entry = directory.entry_for_person_id(session, person_id)
    if entry is None or entry.organisation_id != broadcast.organisation_id or not directory.is_coordinator(session,
                                                                                                          entry):
        log.warning("download of broadcast %s refused: person %s no longer coordinates its organisation",
                    broadcast_id, person_id)
        return None
    rows = broadcasts.not_reachable(session, broadcast)
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow([t(lang, f"broadcast.csv.{column}") for column in ("name", "email", "unit", "reason")])
    for row in rows:
        writer.writerow([_csv_safe(row.name), _csv_safe(row.email), _csv_safe(row.unit),
                         t(lang, f"broadcast.csv.reason.{row.reason}")])
    audit.record(session, actor_person_id=person_id, action="broadcast.not_reachable_downloaded",
                 subject_type="broadcast", subject_id=broadcast_id, details={"rows": len(rows)})
    return f"ej-nadda-utskick-{broadcast_id}.csv", buffer.getvalue()


def _csv_safe(value: str) -> str:
    """Excel runs a cell starting with = + - @ as a formula: a name from HR must not become one."""
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value


# ---- the report's figures ------------------------------------------------------------------------------------------

def _content(broadcast: Broadcast) -> Content:
    return content_from_json(broadcast.content)


def audience_view(audience: Audience) -> AudienceView:
    labels = audience.labels
    return AudienceView(units=labels.get("units", ()), roles=labels.get("roles", ()),
                        condition=str(audience.condition), competences=labels.get("competences", audience.competences),
                        min_gap=audience.min_gap)


def report_view(session: Session, broadcast: Broadcast, *, lang: Lang, config: DialogConfig, now: datetime,
                viewer: Person | None = None, final: bool = False) -> ReportView:
    counts = broadcasts.delivery_counts(session, broadcast)
    running = broadcast.status in (BroadcastStatus.QUEUING, BroadcastStatus.SENDING)
    estimate = first_text = None
    if running:
        not_yet_queued = max(0, broadcast.audience_count - broadcast.queued - broadcast.unaddressable) \
            if broadcast.status == BroadcastStatus.QUEUING else 0
        remaining = counts.queued + not_yet_queued
        first = broadcasts.first_send_moment(session, broadcast)
        start = config.next_sending_moment(max(now, first or now))
        if start > now:
            first_text = _moment_text_for(config, start, now)
        if remaining:
            finish = estimated_finish(start, remaining / max(config.send_rate_per_second, 0.001), config)
            estimate = _moment_text_for(config, finish, now)
    user_ids = [viewer.teams_user_id] if viewer is not None and viewer.teams_user_id else []
    return ReportView(
        broadcast_id=broadcast.id, title=_content(broadcast).title, status=broadcast.status,
        created=_local(config, broadcast.created_at), audience=audience_view(Audience.from_json(broadcast.audience)),
        audience_count=broadcast.audience_count, queued=counts.queued, sent=counts.sent, failed=counts.failed,
        unreachable=counts.unreachable, blocked=counts.blocked, cancelled=counts.cancelled, throttled=counts.throttled,
        estimated_finish=estimate, first_send=first_text, updated=_local(config, now, time_only=True),
        refresh_user_ids=user_ids, final=final)


def estimated_finish(start: datetime, seconds: float, config: DialogConfig) -> datetime:
    """When `seconds` of sending that begins at `start` ends, sending only inside working hours."""
    moment = config.next_sending_moment(start)
    left = timedelta(seconds=seconds)
    for _ in range(400):
        local = moment.astimezone(config.tz)
        closes = datetime.combine(local.date(), config.working_hours_end, tzinfo=config.tz)
        window = closes - local
        if left <= window:
            return moment + left
        left -= window
        moment = config.next_sending_moment(closes)
    return moment + left


def _local(config: DialogConfig, moment: datetime, *, time_only: bool = False) -> str:
    local = aware(moment).astimezone(config.tz)
    return local.strftime("%H:%M") if time_only else local.strftime("%Y-%m-%d %H:%M")


def _moment_text_for(config: DialogConfig, moment: datetime, now: datetime) -> str:
    local, today = moment.astimezone(config.tz), now.astimezone(config.tz).date()
    return local.strftime("%H:%M") if local.date() == today else local.strftime("%Y-%m-%d %H:%M")


def _moment_text(turn: Turn, moment: datetime) -> str:
    return _moment_text_for(turn.config, moment, turn.now)
