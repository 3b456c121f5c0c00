"""The coordinator's broadcast (utskick) cards: compose, preview with the audience's size, the message as
recipients see it, the delivery report (refreshable) and its final summary, and the CSV download link."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, Sequence

from cards.activities import ActivityView, hours_text, places_text, sample_view, sign_up_action, when_text, where_text
from cards.elements import (
    Element, action_set, card, choice_set, container, execute, facts, heading, image, open_url, submit, text,
    text_input,
)
from cards.i18n import Lang, t
from cards.verbs import Verb

TITLE_ID, TEXT_ID, LINK_ID, IMAGE_ID = "title", "text", "link", "image"
UNITS_ID, ROLES_ID, CONDITION_ID, COMPETENCES_ID, MIN_GAP_ID = "units", "roles", "condition", "competences", "min_gap"
WHEN_ID, DATE_ID, TIME_ID = "when", "send_date", "send_time"
ACTIVITY_ID = "activity"
CONDITIONS = ("none", "gap", "plan", "not_assessed")
TITLE_MAX, TEXT_MAX, URL_MAX = 120, 2000, 500
# A big organisation has hundreds of units: the card lists the top of the tree (sub-units are included).
MAX_UNIT_CHOICES = 120
MAX_ROLE_CHOICES = 120
# The newest published activities a coordinator may announce; older ones from "mina aktiviteter".
MAX_ACTIVITY_CHOICES = 30
ACTIVITY_CHOICE_TITLE_MAX = 90


def _no_inputs(action: Element) -> Element:
    action["associatedInputs"] = "none"
    if "fallback" in action:
        action["fallback"]["associatedInputs"] = "none"
    return action


# ---- compose ----------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class RecentView:
    broadcast_id: int
    title: str
    created: str  # local date and time, already formatted
    status: str  # queuing | sending | done | cancelled


@dataclass(frozen=True)
class ComposeView:
    organisation: str
    units: Sequence[tuple[str, str]]  # (value, title), top of the tree first
    roles: Sequence[tuple[str, str]]
    competences: Sequence[tuple[str, str]]  # ("3.1", "3.1 Utveckla digitalt innehåll")
    values: Mapping[str, str] = field(default_factory=dict)  # what the coordinator entered before
    recent: Sequence[RecentView] = ()
    notice: str | None = None  # why the last preview was refused
    activities: Sequence[tuple[str, str]] = ()  # (value, "title · when"), newest first


def compose_card(lang: Lang, *, view: ComposeView) -> dict:
    values = view.values
    body: list[Element] = [heading(t(lang, "broadcast.compose.title")),
                           text(t(lang, "broadcast.compose.intro", organisation=view.organisation), subtle=True)]
    if view.notice:
        body.append(text(view.notice, color="Attention", weight="Bolder"))
    body += [
        text(t(lang, "broadcast.compose.content"), weight="Bolder", spacing="Medium"),
    ]
    activities = list(view.activities)[:MAX_ACTIVITY_CHOICES]
    if activities:
        # Not `required` on title and text: an activity announcement needs neither (the server checks).
        chooser = choice_set(ACTIVITY_ID, label=t(lang, "broadcast.field.activity"),
                             choices=[(title[:ACTIVITY_CHOICE_TITLE_MAX], value) for value, title in activities],
                             value=values.get(ACTIVITY_ID) or None, expanded=False)
        chooser["placeholder"] = t(lang, "broadcast.activity.none")
        body += [chooser,
                 text(t(lang, "broadcast.compose.activity_hint"), subtle=True, size="Small")]
    body += [
        text_input(TITLE_ID, label=t(lang, "broadcast.field.title"), value=values.get(TITLE_ID), max_length=TITLE_MAX,
                   required=not activities, error_message=t(lang, "broadcast.field.title_missing")),
        text_input(TEXT_ID, label=t(lang, "broadcast.field.text"), value=values.get(TEXT_ID), multiline=True,
                   max_length=TEXT_MAX, required=not activities, error_message=t(lang, "broadcast.field.text_missing")),
        _url_input(LINK_ID, t(lang, "broadcast.field.link"), values.get(LINK_ID)),
        _url_input(IMAGE_ID, t(lang, "broadcast.field.image"), values.get(IMAGE_ID)),
        text(t(lang, "broadcast.compose.audience"), weight="Bolder", spacing="Medium"),
    ]
    units = list(view.units)[:MAX_UNIT_CHOICES]
    if units:
        body.append(_multi(UNITS_ID, t(lang, "broadcast.field.units"), units, values.get(UNITS_ID)))
        if len(view.units) > len(units):
            body.append(text(t(lang, "broadcast.compose.units_more", count=len(view.units) - len(units)),
                             subtle=True, size="Small"))
    roles = list(view.roles)[:MAX_ROLE_CHOICES]
    if roles:
        body.append(_multi(ROLES_ID, t(lang, "broadcast.field.roles"), roles, values.get(ROLES_ID)))
    body += [
        choice_set(CONDITION_ID, label=t(lang, "broadcast.field.condition"),
                   choices=[(t(lang, f"broadcast.condition.{c}"), c) for c in CONDITIONS],
                   value=values.get(CONDITION_ID) or "none"),
        _multi(COMPETENCES_ID, t(lang, "broadcast.field.competences"), view.competences, values.get(COMPETENCES_ID)),
        choice_set(MIN_GAP_ID, label=t(lang, "broadcast.field.min_gap"),
                   choices=[(str(n), str(n)) for n in range(1, 9)], value=values.get(MIN_GAP_ID) or "2",
                   expanded=False),
        text(t(lang, "broadcast.compose.when"), weight="Bolder", spacing="Medium"),
        choice_set(WHEN_ID, label=t(lang, "broadcast.field.when"),
                   choices=[(t(lang, "broadcast.when.now"), "now"), (t(lang, "broadcast.when.later"), "later")],
                   value=values.get(WHEN_ID) or "now"),
        _dated({"type": "Input.Date", "id": DATE_ID, "label": t(lang, "broadcast.field.date")}, values.get(DATE_ID)),
        _dated({"type": "Input.Time", "id": TIME_ID, "label": t(lang, "broadcast.field.time")}, values.get(TIME_ID)),
        text(t(lang, "broadcast.compose.quiet_hours"), subtle=True, size="Small"),
    ]
    if view.recent:
        body.append(text(t(lang, "broadcast.compose.recent"), weight="Bolder", spacing="Medium"))
        for item in view.recent:
            body.append(container([
                text(f"{item.title} · {item.created} · {t(lang, f'broadcast.status.{item.status}')}", size="Small"),
                action_set([execute(t(lang, "broadcast.action.report"), Verb.BROADCAST_REPORT,
                                    {"broadcast_id": item.broadcast_id})]),
            ]))
    return card(body, [execute(t(lang, "broadcast.action.preview"), Verb.BROADCAST_PREVIEW, style="positive"),
                       _no_inputs(execute(t(lang, "broadcast.action.discard"), Verb.BROADCAST_DISCARD))], lang=lang)


def _url_input(input_id: str, label: str, value: str | None) -> Element:
    element = text_input(input_id, label=label, value=value, placeholder="https://", max_length=URL_MAX)
    element["style"] = "Url"
    return element


def _multi(input_id: str, label: str, choices: Sequence[tuple[str, str]], value: str | None) -> Element:
    element = choice_set(input_id, label=label, choices=[(title, v) for v, title in choices], value=value or None,
                         expanded=False)
    element["isMultiSelect"] = True
    return element


def _dated(element: Element, value: str | None) -> Element:
    if value:
        element["value"] = value
    return element


# ---- the message itself -----------------------------------------------------------------------------------------

def message_body(lang: Lang, *, title: str, body: str, link: str | None, image_url: str | None,
                 sender: str | None) -> tuple[list[Element], list[Element]]:
    elements: list[Element] = [heading(title), text(body)]
    if image_url:
        elements.append(image(image_url, alt=title))
    if sender:
        elements.append(text(t(lang, "broadcast.message.from", sender=sender), subtle=True, size="Small"))
    return elements, ([open_url(t(lang, "broadcast.message.open_link"), link)] if link else [])


def message_card(lang: Lang, *, title: str, body: str, link: str | None = None, image_url: str | None = None,
                 sender: str | None = None) -> dict:
    """What every recipient gets: the coordinator's own words, in the recipient's language around them."""
    elements, actions = message_body(lang, title=title, body=body, link=link, image_url=image_url, sender=sender)
    return card(elements, actions, lang=lang)


def announcement_body(lang: Lang, *, activity: ActivityView, title: str, note: str | None, sender: str | None
                      ) -> tuple[list[Element], list[Element]]:
    """An announced activity as its recipient sees it: what, when and where (or self-paced), hours, places
    left, and "Anmäl mig" / "Inte intresserad", which the activities flow answers under its own rules."""
    elements: list[Element] = [heading(title)]
    if note:
        elements.append(text(note))
    pairs = [(t(lang, "activities.fact.when"), when_text(lang, activity))]
    where = where_text(lang, activity)
    if where:
        pairs.append((t(lang, "activities.fact.where"), where))
    pairs.append((t(lang, "activities.fact.hours"), hours_text(lang, activity.hours)))
    places = places_text(lang, activity)
    if places:
        pairs.append((t(lang, "activities.fact.places"), places))
    if activity.deadline and not activity.self_paced:
        pairs.append((t(lang, "activities.fact.deadline"), activity.deadline.strftime("%Y-%m-%d")))
    about: list[Element] = []
    if activity.title != title:
        about.append(text(activity.title, weight="Bolder"))
    if activity.description:
        about.append(text(activity.description))
    about.append(facts(pairs))
    elements.append(container(about, style="emphasis"))
    if activity.status == "cancelled":
        elements.append(text(t(lang, "activities.cancelled"), color="Attention", weight="Bolder"))
    if sender:
        elements.append(text(t(lang, "broadcast.message.from", sender=sender), subtle=True, size="Small"))
    ref = {"activity_id": activity.id}
    actions: list[Element] = []
    if activity.open_for_signup and activity.status == "published":
        actions += [sign_up_action(lang, activity),
                    execute(t(lang, "activities.action.decline"), Verb.ACTIVITY_DECLINE,
                            {**ref, "source": "broadcast"})]
    actions.append(execute(t(lang, "activities.action.open"), Verb.ACTIVITY_OPEN, ref))
    return elements, actions


def announcement_card(lang: Lang, *, activity: ActivityView, title: str, note: str | None = None,
                      sender: str | None = None) -> dict:
    """What every recipient of an activity broadcast gets (the activity as it was when their batch went out)."""
    elements, actions = announcement_body(lang, activity=activity, title=title, note=note, sender=sender)
    return card(elements, actions, lang=lang)


# ---- preview ------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class AudienceView:
    units: Sequence[str] = ()
    roles: Sequence[str] = ()
    condition: str = "none"
    competences: Sequence[str] = ()
    min_gap: int = 1


def audience_lines(lang: Lang, audience: AudienceView) -> list[str]:
    lines = [t(lang, "broadcast.audience.units", units=", ".join(audience.units)) if audience.units
             else t(lang, "broadcast.audience.everyone")]
    if audience.roles:
        lines.append(t(lang, "broadcast.audience.roles", roles=", ".join(audience.roles)))
    competences = ", ".join(audience.competences)
    if audience.condition == "gap":
        lines.append(t(lang, "broadcast.audience.gap", gap=audience.min_gap, competences=competences))
    elif audience.condition == "plan":
        lines.append(t(lang, "broadcast.audience.plan", competences=competences))
    elif audience.condition == "not_assessed":
        lines.append(t(lang, "broadcast.audience.not_assessed"))
    return lines


@dataclass(frozen=True)
class PreviewView:
    draft: int  # the draft's revision: a send from an older preview is refused
    title: str
    body: str
    link: str | None
    image_url: str | None
    sender: str | None
    audience: AudienceView
    count: int
    names: Sequence[str]
    unaddressable: int
    send_text: str  # "nu" or the moment, formatted
    held: bool = False  # quiet hours move the first send
    activity: ActivityView | None = None  # an activity announcement (`body` is then the optional note)


def preview_card(lang: Lang, *, view: PreviewView) -> dict:
    if view.activity is not None:
        message, links = announcement_body(lang, activity=view.activity, title=view.title, note=view.body or None,
                                           sender=view.sender)
    else:
        message, links = message_body(lang, title=view.title, body=view.body, link=view.link,
                                      image_url=view.image_url, sender=view.sender)
    preview = container(message + ([action_set(links)] if links else []), style="emphasis")
    body: list[Element] = [
        heading(t(lang, "broadcast.preview.title")),
        text(t(lang, "broadcast.preview.as_seen"), subtle=True),
        preview,
        text(t(lang, "broadcast.preview.audience"), weight="Bolder", spacing="Medium"),
        *[text(line) for line in audience_lines(lang, view.audience)],
        text(t(lang, "broadcast.preview.count", count=view.count) if view.count != 1
             else t(lang, "broadcast.preview.count_one"), size="Medium", weight="Bolder"),
    ]
    if view.names:
        more = view.count - len(view.names)
        names = ", ".join(view.names)
        body.append(text(t(lang, "broadcast.preview.names_more", names=names, more=more) if more > 0
                         else t(lang, "broadcast.preview.names", names=names)))
    if view.unaddressable:
        body.append(text(t(lang, "broadcast.preview.unaddressable", count=view.unaddressable), color="Warning"))
    body.append(text(t(lang, "broadcast.preview.when", when=view.send_text)))
    if view.held:
        body.append(text(t(lang, "broadcast.preview.held"), subtle=True, size="Small"))
    actions = [_no_inputs(execute(t(lang, "broadcast.action.edit"), Verb.BROADCAST_EDIT, {"draft": view.draft})),
               _no_inputs(execute(t(lang, "broadcast.action.discard"), Verb.BROADCAST_DISCARD))]
    if view.count:
        actions.insert(0, execute(t(lang, "broadcast.action.send", count=view.count), Verb.BROADCAST_SEND,
                                  {"draft": view.draft}, style="positive"))
    else:
        body.append(text(t(lang, "broadcast.preview.nobody"), color="Attention"))
    return card(body, actions, lang=lang)


# ---- report ---------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ReportView:
    broadcast_id: int
    title: str
    status: str  # queuing | sending | done | cancelled
    created: str
    audience: AudienceView
    audience_count: int
    queued: int
    sent: int
    failed: int
    unreachable: int
    blocked: int
    cancelled: int
    throttled: int | None  # 429 answers the broadcast's messages met (None: not known)
    estimated_finish: str | None = None
    first_send: str | None = None  # when nothing can go out before a chosen time or quiet hours end
    updated: str = ""
    refresh_user_ids: Sequence[str] = ()  # Teams refreshes the card for these users when they see it
    final: bool = False  # the summary after the last message


def report_card(lang: Lang, *, view: ReportView) -> dict:
    running = view.status in ("queuing", "sending")
    title_key = "broadcast.report.final_title" if view.final else "broadcast.report.title"
    body: list[Element] = [
        heading(t(lang, title_key)),
        text(view.title, weight="Bolder"),
        text(t(lang, "broadcast.report.meta", created=view.created, status=t(lang, f"broadcast.status.{view.status}")),
             subtle=True, size="Small"),
        *[text(line, size="Small") for line in audience_lines(lang, view.audience)],
        facts([
            (t(lang, "broadcast.report.audience"), str(view.audience_count)),
            (t(lang, "broadcast.report.queued"), str(view.queued)),
            (t(lang, "broadcast.report.sent"), str(view.sent)),
            (t(lang, "broadcast.report.failed"), str(view.failed)),
            (t(lang, "broadcast.report.unreachable"), str(view.unreachable)),
            (t(lang, "broadcast.report.blocked"), str(view.blocked)),
            (t(lang, "broadcast.report.throttled"), "—" if view.throttled is None else str(view.throttled)),
            *([(t(lang, "broadcast.report.cancelled"), str(view.cancelled))] if view.cancelled else []),
        ]),
    ]
    if view.status == "queuing":
        body.append(text(t(lang, "broadcast.report.queuing"), subtle=True, size="Small"))
    if running and view.first_send:
        body.append(text(t(lang, "broadcast.report.first_send", when=view.first_send)))
    if running and view.estimated_finish:
        body.append(text(t(lang, "broadcast.report.estimate", when=view.estimated_finish)))
    if view.throttled is None:
        body.append(text(t(lang, "broadcast.report.throttled_unknown"), subtle=True, size="Small"))
    if view.updated:
        body.append(text(t(lang, "broadcast.report.updated", when=view.updated), subtle=True, size="Small"))
    ref = {"broadcast_id": view.broadcast_id}
    actions = [execute(t(lang, "broadcast.action.refresh"), Verb.BROADCAST_REPORT, ref)]
    if view.unreachable or view.blocked or view.failed:
        actions.append(execute(t(lang, "broadcast.action.download"), Verb.BROADCAST_DOWNLOAD, ref))
    if running:
        actions.append(execute(t(lang, "broadcast.action.cancel"), Verb.BROADCAST_CANCEL, ref, style="destructive"))
    # Each on its own row: three in one row are cut short in Teams' chat pane ("Stoppa uts…").
    body += [action_set([action]) for action in actions]
    result = card(body, [], lang=lang)
    if running and view.refresh_user_ids:
        # Teams runs this when one of these users opens the chat, so the figures they see are current.
        result["refresh"] = {"action": {"type": "Action.Execute", "title": t(lang, "broadcast.action.refresh"),
                                        "verb": str(Verb.BROADCAST_REPORT), "data": {"verb": str(Verb.BROADCAST_REPORT),
                                                                                     **ref}},
                             "userIds": list(view.refresh_user_ids)[:60]}
    return result


def download_card(lang: Lang, *, title: str, url: str, minutes: int, rows: int) -> dict:
    return card([heading(t(lang, "broadcast.download.title")), text(title, weight="Bolder"),
                 text(t(lang, "broadcast.download.body", rows=rows, minutes=minutes))],
                [open_url(t(lang, "broadcast.download.open"), url),
                 submit(t(lang, "menu.help"), Verb.HELP)], lang=lang)


def discarded_card(lang: Lang) -> dict:
    return card([heading(t(lang, "broadcast.discarded.title")), text(t(lang, "broadcast.discarded.body"))],
                [submit(t(lang, "menu.broadcast"), Verb.BROADCAST_NEW), submit(t(lang, "menu.help"), Verb.HELP)],
                lang=lang)


# ---- samples ----------------------------------------------------------------------------------------------------------

_SAMPLE_AUDIENCE = AudienceView(units=("Stadsbiblioteket",), roles=("Bibliotekarie",), condition="gap",
                                competences=("3.1 Utveckla digitalt innehåll",), min_gap=2)


def _sample_compose(lang: Lang) -> dict:
    units = [(str(i), f"Enhet {i:03d} Stadsbibliotekets filial") for i in range(1, 141)]
    roles = [(str(i), f"Yrkesroll {i}") for i in range(1, 31)]
    competences = [(f"{a}.{c}", f"{a}.{c} Kompetens med ett långt namn som i DigComp")
                   for a, n in ((1, 3), (2, 6), (3, 4), (4, 4), (5, 4)) for c in range(1, n + 1)]
    return compose_card(lang, view=ComposeView(
        organisation="Stockholms stad, kulturförvaltningen", units=units, roles=roles, competences=competences,
        values={TITLE_ID: "Kurs i tillgänglighet", UNITS_ID: "1,2"},
        recent=[RecentView(i, f"Utskick nummer {i}", "2026-03-0{} 10:00".format(i), "done") for i in range(1, 6)],
        notice="Länken måste börja med https://",
        activities=[(str(i), "Ö" * ACTIVITY_CHOICE_TITLE_MAX + " · 2026-03-24 09:00") for i in range(40)]))


def _sample_announcement_preview(lang: Lang) -> dict:
    return preview_card(lang, view=PreviewView(
        draft=4, title="Sök smartare: informationssökning för bibliotekarier", body="Några platser kvar i mars!",
        link=None, image_url=None, sender="Maria Holm", audience=_SAMPLE_AUDIENCE, count=120,
        names=["Anna Lindberg", "Bo Ek", "Cecilia Holm", "David Ali", "Eva Berg"], unaddressable=0, send_text="nu",
        activity=sample_view()))


def _sample_preview(lang: Lang) -> dict:
    return preview_card(lang, view=PreviewView(
        draft=3, title="Kurs i tillgänglighet", body="Välkommen till en halvdag om tillgängliga dokument.",
        link="https://intranat.stockholm.se/kurs", image_url="https://intranat.stockholm.se/bild.png",
        sender="Maria Holm", audience=_SAMPLE_AUDIENCE, count=1234,
        names=["Anna Lindberg", "Bo Ek", "Cecilia Holm", "David Ali", "Eva Berg"], unaddressable=12,
        send_text="tisdag 10 mars 2026 kl. 10:00", held=True))


def _sample_report(lang: Lang, final: bool = False) -> dict:
    return report_card(lang, view=ReportView(
        broadcast_id=7, title="Kurs i tillgänglighet", status="done" if final else "sending",
        created="2026-03-10 10:00", audience=_SAMPLE_AUDIENCE, audience_count=1234, queued=0 if final else 400,
        sent=800 if not final else 1200, failed=2, unreachable=20, blocked=3, cancelled=0, throttled=3,
        estimated_finish=None if final else "10:14", updated="10:05", refresh_user_ids=["29:1abc"], final=final))


SAMPLES = {
    "broadcast-compose": _sample_compose,
    "broadcast-preview": _sample_preview,
    "broadcast-message": lambda lang: message_card(
        lang, title="Kurs i tillgänglighet", body="Välkommen till en halvdag om tillgängliga dokument.",
        link="https://intranat.stockholm.se/kurs", image_url="https://intranat.stockholm.se/bild.png",
        sender="Maria Holm"),
    "broadcast-announcement-preview": _sample_announcement_preview,
    "broadcast-announcement": lambda lang: announcement_card(
        lang, activity=sample_view(), title="Sök smartare: informationssökning för bibliotekarier",
        note="Några platser kvar i mars!", sender="Maria Holm"),
    "broadcast-announcement-longest": lambda lang: announcement_card(
        lang, activity=sample_view(title="Ö" * 200, description="ä" * 2000, place="P" * 300), title="Å" * 120,
        note="å" * 2000, sender="Maria Holm"),
    "broadcast-announcement-self-paced-full": lambda lang: announcement_card(
        lang, activity=sample_view(self_paced=True, starts=None, ends=None, place=None, capacity=None,
                                   places_left=None, deadline=None, online_url="https://larportalen.example.se/x"),
        title="Tillgänglighet i digitalt innehåll", sender=None),
    "broadcast-report": _sample_report,
    "broadcast-summary": lambda lang: _sample_report(lang, final=True),
    "broadcast-download": lambda lang: download_card(lang, title="Kurs i tillgänglighet",
                                                     url="https://kompetenslyft.example.se/downloads/x", minutes=10,
                                                     rows=25),
    "broadcast-discarded": discarded_card,
}
