"""The tab's views: each reads through the store and the report rules, and returns HTML and its tables.

Every view gets a Viewer (who is looking, decided from the directory) and the query parameters; what a
viewer may open is decided by dialogs/rules/report_access.py before any view runs, and every aggregate
goes through dialogs/rules/report_figures.py (which merges or hides groups below the threshold k).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from html import escape
from typing import Any, Mapping
from urllib.parse import urlencode

from sqlmodel import Session

from bot.tab import svg
from bot.tab.tables import Table
from cards.i18n import Lang, t
from dialogs.rules.broadcast_content import content_from_json
from dialogs.rules.report_access import View, allowed_views, sees_maturity_trend
from dialogs.rules.report_figures import heatmap, participation
from dialogs.rules.scoring import summarise_assessment
from dialogs.survey import results_view as survey_results_view
from store import broadcasts as broadcast_store
from store import directory, plans, reports
from store import survey as survey_store
from store.digcomp import load_framework
from store.models.directory import DirectoryEntry, Organisation
from store.people import aware
from store.privacy import export_person
from store.targets import effective_targets
from store.team import assessment_states

FRAMEWORK_VERSION = "2.2"
MAX_LEVEL = 8


@dataclass(frozen=True)
class Viewer:
    entry: DirectoryEntry
    organisation: Organisation
    is_coordinator: bool
    is_manager: bool

    @property
    def views(self) -> tuple[View, ...]:
        return allowed_views(is_coordinator=self.is_coordinator, is_manager=self.is_manager)


@dataclass
class Context:
    """What every view needs besides the viewer: the language, the query, the clock, the settings' k."""

    lang: Lang
    query: Mapping[str, str]
    now: datetime
    tz: Any
    k: int
    # Query parameters every link keeps (lang, theme, and in local dev mode the chosen identity).
    keep: dict[str, str] = field(default_factory=dict)

    def link(self, **params: Any) -> str:
        merged = {**self.keep, **{key: str(value) for key, value in params.items() if value not in (None, "")}}
        return "?" + urlencode(merged)

    def download(self, name: str, fmt: str, **params: Any) -> str:
        merged = {**self.keep, **{key: str(value) for key, value in params.items() if value not in (None, "")}}
        return f"/tab/download/{name}.{fmt}?" + urlencode(merged)


@dataclass
class Page:
    view: str
    body: str
    tables: dict[str, Table] = field(default_factory=dict)


def _t(ctx: Context, key: str, **params: Any) -> str:
    return escape(t(ctx.lang, key, **params))


# ---- shared pieces ------------------------------------------------------------------------------------------

def nav(viewer: Viewer, ctx: Context, current: str) -> str:
    items = []
    for view in viewer.views:
        label = _t(ctx, f"tab.view.{view}")
        current_attr = ' aria-current="page"' if view == current else ""
        items.append(f'<li><a href="{escape(ctx.link(view=view))}"{current_attr}>{label}</a></li>')
    who = _t(ctx, "tab.signed_in_as", name=viewer.entry.name, organisation=viewer.organisation.name)
    return f'<nav aria-label="{_t(ctx, "tab.nav_label")}"><ul>{"".join(items)}</ul></nav><p class="who">{who}</p>'


def table_html(table: Table, ctx: Context, *, downloads: dict[str, str] | None = None, caption: bool = True) -> str:
    head = "".join(f'<th scope="col">{escape(str(h))}</th>' for h in table.headers)
    body = []
    for r, row in enumerate(table.rows):
        classes = table.classes[r] if r < len(table.classes) else []
        cells = []
        for c, value in enumerate(row):
            css = classes[c] if c < len(classes) else ""
            text = escape(_shown(value, ctx.lang))
            attr = f' class="{css}"' if css else ""
            cells.append(f'<th scope="row"{attr}>{text}</th>' if c == 0 else f"<td{attr}>{text}</td>")
        body.append(f"<tr>{''.join(cells)}</tr>")
    if not table.rows:
        body.append(f'<tr><td colspan="{len(table.headers)}">{_t(ctx, "tab.no_rows")}</td></tr>')
    links = ""
    if downloads:
        links = '<p class="downloads">' + " ".join(
            f'<a class="button" data-download href="{escape(href)}" download>{_t(ctx, "tab.download", format=fmt)}</a>'
            for fmt, href in downloads.items()) + "</p>"
    cap = f"<caption>{escape(table.title)}</caption>" if caption else ""
    return (f'<div class="table-wrap" tabindex="0" role="region" aria-label="{escape(table.title)}"><table>{cap}'
            f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table></div>{links}")


def _shown(value: Any, lang: Lang) -> str:
    if value is None or value == "":
        return "–"
    if isinstance(value, float):
        text = f"{value:.1f}".rstrip("0").rstrip(".") if value != int(value) else str(int(value))
        return text.replace(".", ",") if lang == "sv" else text
    return str(value)


def _percent(share: float | None) -> int | None:
    return None if share is None else round(share * 100)


def _level_class(median: float | None) -> str:
    return "lvl-none" if median is None else f"lvl-{min(MAX_LEVEL, max(0, int(median)))}"


# ---- filters ------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Filters:
    unit_id: int | None
    role_key: str | None
    start: date
    end: date  # inclusive

    def query(self) -> dict[str, Any]:
        return {"unit": self.unit_id, "role": self.role_key, "from": self.start.isoformat(),
                "to": self.end.isoformat()}


def _date(value: str | None, default: date) -> date:
    try:
        return date.fromisoformat(value) if value else default
    except ValueError:
        return default


def read_filters(ctx: Context, units: Mapping[int, reports.UnitInfo], roles: list[tuple[str, str]]) -> Filters:
    today = ctx.now.astimezone(ctx.tz).date()
    start = _date(ctx.query.get("from"), today - timedelta(days=364))  # the last 365 days by default
    end = _date(ctx.query.get("to"), today)
    if end < start:
        start, end = end, start
    try:
        unit_id = int(ctx.query.get("unit") or 0) or None
    except ValueError:
        unit_id = None
    role = ctx.query.get("role") or None
    return Filters(unit_id if unit_id in units else None, role if role in {key for key, _ in roles} else None,
                   start, end)


def report_filter(viewer: Viewer, filters: Filters, units: Mapping[int, reports.UnitInfo], ctx: Context
                  ) -> reports.ReportFilter:
    start = datetime.combine(filters.start, time.min, ctx.tz)
    end = datetime.combine(filters.end + timedelta(days=1), time.min, ctx.tz)
    unit_ids = reports.subtree(dict(units), filters.unit_id) if filters.unit_id else None
    return reports.ReportFilter(viewer.organisation.id, start, end, unit_ids, filters.role_key)


def filter_form(ctx: Context, view: str, filters: Filters, units: Mapping[int, reports.UnitInfo],
                roles: list[tuple[str, str]], extra: Mapping[str, str] | None = None) -> str:
    hidden = "".join(f'<input type="hidden" name="{escape(k)}" value="{escape(v)}">'
                     for k, v in {**ctx.keep, "view": view, **(extra or {})}.items())
    unit_options = [f'<option value="">{_t(ctx, "tab.filter.all_units")}</option>'] + [
        f'<option value="{u.id}"{" selected" if u.id == filters.unit_id else ""}>{escape(u.name)}</option>'
        for u in sorted(units.values(), key=lambda u: u.name)]
    role_options = [f'<option value="">{_t(ctx, "tab.filter.all_roles")}</option>'] + [
        f'<option value="{escape(key)}"{" selected" if key == filters.role_key else ""}>{escape(name)}</option>'
        for key, name in roles]
    return (f'<form class="filters" method="get" action="/tab">{hidden}'
            f'<label>{_t(ctx, "tab.filter.unit")} <select name="unit">{"".join(unit_options)}</select></label>'
            f'<label>{_t(ctx, "tab.filter.role")} <select name="role">{"".join(role_options)}</select></label>'
            f'<label>{_t(ctx, "tab.filter.from")} <input type="date" name="from" value="{filters.start}"></label>'
            f'<label>{_t(ctx, "tab.filter.to")} <input type="date" name="to" value="{filters.end}"></label>'
            f'<button type="submit">{_t(ctx, "tab.filter.apply")}</button></form>')


def _unit_label(row_group: int | None, members: list[int | None], units: Mapping[int, reports.UnitInfo],
                ctx: Context, organisation: str = "") -> str:
    """A row's name; the organisation's own group (anchor None: people without a unit and the units merged
    into it under the anonymity rule) is named after the organisation."""
    if row_group in units:
        name = units[row_group].name
    else:
        name = t(ctx.lang, "tab.organisation_rest", organisation=organisation) if organisation else \
            t(ctx.lang, "tab.no_unit")
    merged = len([m for m in members if m != row_group and m is not None])
    return t(ctx.lang, "tab.merged_units", name=name, count=merged) if merged else name


def _parents(units: Mapping[int, reports.UnitInfo]) -> dict[int | None, int | None]:
    return {unit.id: unit.parent_id for unit in units.values()}


# ---- coordinator: the competence heatmap ---------------------------------------------------------------------

def heatmap_table(session: Session, viewer: Viewer, ctx: Context) -> tuple[Table, Filters, str, dict, list, int]:
    units = reports.organisation_units(session, organisation_id=viewer.organisation.id)
    roles = reports.organisation_roles(session, organisation_id=viewer.organisation.id)
    filters = read_filters(ctx, units, roles)
    flt = report_filter(viewer, filters, units, ctx)
    by = "competence" if ctx.query.get("by") == "competence" else "area"
    framework = load_framework(FRAMEWORK_VERSION)
    if by == "area":
        columns = [area.key for area in framework.areas]
        column_of = {c.key: c.area for c in framework.competences}
        titles = {area.key: f"{area.key} {area.title.of(ctx.lang)}" for area in framework.areas}
    else:
        columns = [c.key for c in framework.competences]
        column_of = {c.key: c.key for c in framework.competences}
        titles = {c.key: c.key for c in framework.competences}
    # Counted by area in the store already; the rows' "competence" is then the area, which maps to itself.
    histogram, sizes = reports.heatmap_counts(session, flt, column_of=column_of if by == "area" else None)
    figures = heatmap(histogram, sizes, _parents(units), columns=columns,
                      column_of={**column_of, **{column: column for column in columns}}, k=ctx.k)
    headers = [t(ctx.lang, "tab.col.unit"), t(ctx.lang, "tab.col.assessed")]
    for column in columns:
        headers += [t(ctx.lang, "tab.col.median", column=titles[column]),
                    t(ctx.lang, "tab.col.below", column=column)]
    table = Table(f"kompetens-{by}", t(ctx.lang, f"tab.heatmap.title.{by}"), headers)
    label = lambda r: _unit_label(r.group, r.members, units, ctx, viewer.organisation.name)  # noqa: E731
    for row in sorted(figures.rows, key=label):
        values: list[Any] = [label(row), row.people]
        classes = ["", ""]
        for column in columns:
            cell = row.cells[column]
            values += [cell.median, _percent(cell.share_below)]
            classes += [_level_class(cell.median), ""]
        table.rows.append(values)
        table.classes.append(classes)
    return table, filters, by, units, roles, figures.hidden_people


def heatmap_view(session: Session, viewer: Viewer, ctx: Context) -> Page:
    table, filters, by, units, roles, hidden = heatmap_table(session, viewer, ctx)
    params = {**filters.query(), "by": by}
    other = "competence" if by == "area" else "area"
    switch = (f'<p><a href="{escape(ctx.link(view=View.HEATMAP, **{**params, "by": other}))}">'
              f'{_t(ctx, f"tab.heatmap.switch.{other}")}</a></p>')
    legend = "".join(f'<span class="swatch lvl-{level}">{level}</span>' for level in range(MAX_LEVEL + 1))
    body = (f"<h1>{_t(ctx, 'tab.view.heatmap')}</h1><p>{_t(ctx, 'tab.heatmap.intro', k=ctx.k)}</p>"
            + filter_form(ctx, View.HEATMAP, filters, units, roles, {"by": by}) + switch
            + f'<p class="legend" aria-hidden="true">{_t(ctx, "tab.heatmap.legend")} {legend}</p>'
            + table_html(table, ctx, downloads={f: ctx.download("heatmap", f, **params) for f in ("csv", "xlsx")})
            + (f'<p class="note">{_t(ctx, "tab.hidden_people", count=hidden, k=ctx.k)}</p>' if hidden else ""))
    return Page(View.HEATMAP, body, {"heatmap": table})


# ---- coordinator: participation ------------------------------------------------------------------------------

def participation_table(session: Session, viewer: Viewer, ctx: Context):
    units = reports.organisation_units(session, organisation_id=viewer.organisation.id)
    roles = reports.organisation_roles(session, organisation_id=viewer.organisation.id)
    filters = read_filters(ctx, units, roles)
    flt = report_filter(viewer, filters, units, ctx)
    kinds = reports.PARTICIPATION_KINDS
    rows, hidden = participation(reports.participation_counts(session, flt), reports.headcount_by_unit(session, flt),
                                 _parents(units), kinds=kinds, k=ctx.k)
    headers = [t(ctx.lang, "tab.col.unit"), t(ctx.lang, "tab.col.month"), t(ctx.lang, "tab.col.people")] + \
        [t(ctx.lang, f"tab.kind.{kind}") for kind in kinds]
    table = Table("deltagande", t(ctx.lang, "tab.participation.title"), headers)
    labels: dict[int | None, str] = {}  # a group's rows, one per month, share its name
    for row in rows:
        if row.group not in labels:
            labels[row.group] = _unit_label(row.group, row.members, units, ctx, viewer.organisation.name)
    label = lambda r: labels[r.group]  # noqa: E731
    for row in sorted(rows, key=lambda r: (label(r), r.month)):
        table.rows.append([label(row), row.month, row.people, *[row.counts.get(kind, 0) for kind in kinds]])
    return table, filters, units, roles, rows, hidden, kinds


def participation_view(session: Session, viewer: Viewer, ctx: Context) -> Page:
    table, filters, units, roles, rows, hidden, kinds = participation_table(session, viewer, ctx)
    months = sorted({row.month for row in rows})
    totals = {kind: [round(sum(r.counts.get(kind, 0) for r in rows if r.month == m), 1) for m in months]
              for kind in kinds}
    description = "; ".join(f"{m}: " + ", ".join(f"{t(ctx.lang, f'tab.kind.{kind}')} {totals[kind][i]}"
                                                  for kind in kinds) for i, m in enumerate(months))
    counted = [kind for kind in kinds if kind != reports.HOURS]  # hours are not on the counts' scale: table only
    chart = svg.grouped_bars(months, [(t(ctx.lang, f"tab.kind.{kind}"), totals[kind]) for kind in counted],
                             title=t(ctx.lang, "tab.participation.chart"), description=description or "–",
                             chart_id="participation-chart") if months else ""
    body = (f"<h1>{_t(ctx, 'tab.view.participation')}</h1><p>{_t(ctx, 'tab.participation.intro', k=ctx.k)}</p>"
            + filter_form(ctx, View.PARTICIPATION, filters, units, roles) + chart
            + table_html(table, ctx, downloads={f: ctx.download("participation", f, **filters.query())
                                                for f in ("csv", "xlsx")})
            + (f'<p class="note">{_t(ctx, "tab.hidden_people", count=hidden, k=ctx.k)}</p>' if hidden else "")
            + f'<p class="note">{_t(ctx, "tab.participation.counting")}</p>')
    return Page(View.PARTICIPATION, body, {"participation": table})


# ---- coordinator: the ESF export ------------------------------------------------------------------------------

def esf_table(session: Session, viewer: Viewer, ctx: Context, hours=None):
    today = ctx.now.astimezone(ctx.tz).date()
    start = _date(ctx.query.get("from"), date(today.year, 1, 1))
    end = _date(ctx.query.get("to"), today)
    # Looked up at call time: the activities' hours come through this one plug (store/reports.py).
    rows = reports.esf_rows(session, organisation=viewer.organisation, start=start, end=end,
                            hours=hours or reports.hours_by_person_month)
    table = Table("esf-deltagare", t(ctx.lang, "tab.esf.title"),
                  [t(ctx.lang, f"tab.esf.col.{column}") for column in reports.ESF_COLUMNS])
    table.rows = [[row[column] for column in reports.ESF_COLUMNS] for row in rows]
    return table, start, end


def esf_view(session: Session, viewer: Viewer, ctx: Context) -> Page:
    today = ctx.now.astimezone(ctx.tz).date()
    start = _date(ctx.query.get("from"), date(today.year, 1, 1))
    end = _date(ctx.query.get("to"), today)
    hidden = "".join(f'<input type="hidden" name="{escape(k)}" value="{escape(v)}">'
                     for k, v in {**ctx.keep, "view": View.ESF}.items())
    params = {"from": start.isoformat(), "to": end.isoformat()}
    links = " ".join(f'<a class="button" data-download href="{escape(ctx.download("esf", fmt, **params))}" download>'
                     f'{_t(ctx, "tab.download", format=fmt)}</a>' for fmt in ("csv", "xlsx"))
    body = (f"<h1>{_t(ctx, 'tab.view.esf')}</h1><p>{_t(ctx, 'tab.esf.intro')}</p>"
            f'<form class="filters" method="get" action="/tab">{hidden}'
            f'<label>{_t(ctx, "tab.filter.from")} <input type="date" name="from" value="{start}"></label>'
            f'<label>{_t(ctx, "tab.filter.to")} <input type="date" name="to" value="{end}"></label>'
            f'<button type="submit">{_t(ctx, "tab.filter.apply")}</button></form>'
            f'<p class="downloads">{links}</p><p class="note">{_t(ctx, "tab.esf.audited")}</p>'
            f'<p class="note">{_t(ctx, "tab.esf.hours_source")}</p>')
    return Page(View.ESF, body)


# ---- the maturity survey's results -----------------------------------------------------------------------------

@dataclass(frozen=True)
class MaturityRound:
    """A closed round as the survey's results card shows it (dialogs.survey.results_view): the same numbers."""

    round_id: int
    closes_on: date
    view: Any  # cards.survey.ResultsView


def maturity_rounds(session: Session, viewer: Viewer, ctx: Context) -> list[MaturityRound]:
    """Oldest first. Coordinators: every closed round with at least k answers, with the change and the
    reference organisation. Others: the latest closed round only, and only if it has at least k answers
    (else nothing), as the employee's "resultat" card."""
    coordinator = sees_maturity_trend(is_coordinator=viewer.is_coordinator)
    closed = survey_store.closed_rounds(session, organisation_id=viewer.organisation.id)
    if not coordinator:
        closed = closed[:1]
    found = []
    for survey_round in reversed(closed):
        view = survey_results_view(session, survey_round, ctx.lang, coordinator=coordinator)
        if view is not None:
            found.append(MaturityRound(survey_round.id, survey_round.closes_on, view))
    return found


def _round_label(item: MaturityRound) -> str:
    return item.closes_on.isoformat()


def maturity_table(session: Session, viewer: Viewer, ctx: Context) -> tuple[Table, list[MaturityRound]]:
    rounds = maturity_rounds(session, viewer, ctx)
    coordinator = sees_maturity_trend(is_coordinator=viewer.is_coordinator)
    headers = [t(ctx.lang, "tab.maturity.col.dimension"), t(ctx.lang, "tab.maturity.col.round"),
               t(ctx.lang, "tab.maturity.col.mean"), t(ctx.lang, "tab.maturity.col.answered"),
               t(ctx.lang, "tab.maturity.col.invited")]
    if coordinator:
        headers += [t(ctx.lang, "tab.maturity.col.change"), t(ctx.lang, "tab.maturity.col.reference_org"),
                    t(ctx.lang, "tab.maturity.col.reference")]
    table = Table("digital-mognad", t(ctx.lang, "tab.maturity.title"), headers)
    titles = _dimension_titles(rounds)
    for number, title in titles:
        for item in rounds:
            row = next((d for d in item.view.dimensions if d.number == number), None)
            values: list[Any] = [f"{number}. {title}", _round_label(item), row.mean if row else None,
                                 item.view.answered, item.view.invited]
            if coordinator:
                values += [row.change if row else None, item.view.reference_name,
                           row.reference if row else None]
            table.rows.append(values)
    for item in rounds:
        values = [t(ctx.lang, "tab.maturity.overall"), _round_label(item), item.view.overall,
                  item.view.answered, item.view.invited]
        if coordinator:
            values += [item.view.overall_change, item.view.reference_name,
                       item.view.reference_overall]
        table.rows.append(values)
    return table, rounds


def _dimension_titles(rounds: list[MaturityRound]) -> list[tuple[int, str]]:
    """The dimensions in the latest round's order (a new instrument version may add some)."""
    seen: dict[int, str] = {}
    for item in reversed(rounds):
        for row in item.view.dimensions:
            seen.setdefault(row.number, row.title)
    return sorted(seen.items())


def maturity_view(session: Session, viewer: Viewer, ctx: Context) -> Page:
    table, rounds = maturity_table(session, viewer, ctx)
    coordinator = sees_maturity_trend(is_coordinator=viewer.is_coordinator)
    parts = [f"<h1>{_t(ctx, 'tab.view.maturity')}</h1>"]
    if not rounds:
        parts.append(f"<p>{_t(ctx, 'tab.maturity.none', k=ctx.k)}</p>")
        return Page(View.MATURITY, "".join(parts))
    latest = rounds[-1].view
    intro = "tab.maturity.intro.coordinator" if coordinator else "tab.maturity.intro.employee"
    text = _t(ctx, intro, organisation=viewer.organisation.name, answered=latest.answered, k=latest.k,
              invited=latest.invited, closes=latest.closes_on.isoformat())
    parts.append(f"<p>{text}</p>")
    if coordinator:
        labels = [_round_label(item) for item in rounds]
        reference = latest.reference_name
        charts = []
        for number, title in _dimension_titles(rounds):
            rows = [next((d for d in item.view.dimensions if d.number == number), None) for item in rounds]
            own = [row.mean if row else None for row in rows]
            theirs = [row.reference if row else None for row in rows]
            series = [(viewer.organisation.name, own)]
            if any(value is not None for value in theirs):
                series.append((reference or t(ctx.lang, "tab.maturity.col.reference"), theirs))
            description = "; ".join(
                f"{label}: " + ", ".join(f"{name} {_shown(values[i], ctx.lang)}" for name, values in series)
                for i, label in enumerate(labels))
            chart = svg.trend_lines(labels, series, description=description, chart_id=f"maturity-{number}",
                                    title=t(ctx.lang, "tab.maturity.chart", number=number, title=title))
            charts.append(f"<figure><figcaption>{number}. {escape(title)}</figcaption>{chart}</figure>")
        names = [viewer.organisation.name] + ([reference] if reference else [])
        parts.append(f'<h2>{_t(ctx, "tab.maturity.trend")}</h2>{svg.trend_legend(names)}'
                     f'<div class="trends">{"".join(charts)}</div>')
        if reference is None:
            parts.append(f'<p class="note">{_t(ctx, "tab.maturity.no_reference")}</p>')
    parts.append(table_html(table, ctx, downloads={f: ctx.download("maturity", f) for f in ("csv", "xlsx")}))
    parts.append(f'<p class="note">{_t(ctx, "tab.maturity.threshold", k=latest.k)}</p>')
    return Page(View.MATURITY, "".join(parts), {"maturity": table})


# ---- coordinator: broadcasts and their delivery figures --------------------------------------------------------

BROADCAST_FIGURES = ("audience", "sent", "queued", "failed", "unreachable", "blocked", "cancelled")


def broadcasts_table(session: Session, viewer: Viewer, ctx: Context) -> tuple[Table, date, date]:
    today = ctx.now.astimezone(ctx.tz).date()
    start = _date(ctx.query.get("from"), today - timedelta(days=364))
    end = _date(ctx.query.get("to"), today)
    if end < start:
        start, end = end, start
    found = reports.broadcasts_in_period(
        session, organisation_id=viewer.organisation.id, start=datetime.combine(start, time.min, ctx.tz),
        end=datetime.combine(end + timedelta(days=1), time.min, ctx.tz))
    headers = [t(ctx.lang, "tab.broadcasts.col.title"), t(ctx.lang, "tab.broadcasts.col.created"),
               t(ctx.lang, "tab.broadcasts.col.status")] + \
        [t(ctx.lang, f"broadcast.report.{figure}") for figure in BROADCAST_FIGURES]
    table = Table("utskick", t(ctx.lang, "tab.broadcasts.title"), headers)
    for broadcast in found:
        counts = broadcast_store.delivery_counts(session, broadcast)  # the report card's figures
        table.rows.append([content_from_json(broadcast.content).title,
                           aware(broadcast.created_at).astimezone(ctx.tz).strftime("%Y-%m-%d %H:%M"),
                           t(ctx.lang, f"broadcast.status.{broadcast.status}"), broadcast.audience_count,
                           counts.sent, counts.queued, counts.failed, counts.unreachable, counts.blocked,
                           counts.cancelled])
    return table, start, end


def broadcasts_view(session: Session, viewer: Viewer, ctx: Context) -> Page:
    table, start, end = broadcasts_table(session, viewer, ctx)
    hidden = "".join(f'<input type="hidden" name="{escape(k)}" value="{escape(v)}">'
                     for k, v in {**ctx.keep, "view": View.BROADCASTS}.items())
    params = {"from": start.isoformat(), "to": end.isoformat()}
    body = (f"<h1>{_t(ctx, 'tab.view.broadcasts')}</h1><p>{_t(ctx, 'tab.broadcasts.intro')}</p>"
            f'<form class="filters" method="get" action="/tab">{hidden}'
            f'<label>{_t(ctx, "tab.filter.from")} <input type="date" name="from" value="{start}"></label>'
            f'<label>{_t(ctx, "tab.filter.to")} <input type="date" name="to" value="{end}"></label>'
            f'<button type="submit">{_t(ctx, "tab.filter.apply")}</button></form>'
            + table_html(table, ctx, downloads={f: ctx.download("broadcasts", f, **params) for f in ("csv", "xlsx")})
            + f'<p class="note">{_t(ctx, "tab.broadcasts.note")}</p>')
    return Page(View.BROADCASTS, body, {"broadcasts": table})


# ---- manager: my reports -------------------------------------------------------------------------------------

def team_table(session: Session, viewer: Viewer, ctx: Context) -> Table:
    report_entries = directory.reports_of(session, viewer.entry, now=ctx.now)
    person_ids = [r.person_id for r in report_entries if r.person_id is not None]
    period = ctx.now.astimezone(ctx.tz).year
    plans_by_person = plans.plans_of(session, person_ids, period=period)
    states = assessment_states(session, person_ids, now=ctx.now)
    latest = reports.latest_levels(session, person_ids)
    unit_names = directory.unit_names(session, report_entries)
    framework = load_framework(FRAMEWORK_VERSION)
    headers = [t(ctx.lang, "tab.col.name"), t(ctx.lang, "tab.col.unit"), t(ctx.lang, "team.fact.assessment")] + \
        [t(ctx.lang, "tab.col.area_mean", area=area.key) for area in framework.areas] + \
        [t(ctx.lang, "tab.col.plan", period=period)]
    table = Table("mina-medarbetare", t(ctx.lang, "tab.team.title"), headers)
    for report in report_entries:
        state = states.get(report.person_id) if report.person_id else None
        if report.person_id is None:
            assessment = t(ctx.lang, "team.not_started")
        elif state and state.status == "finished" and state.finished_at:
            assessment = t(ctx.lang, "team.assessment.finished",
                           date=state.finished_at.astimezone(ctx.tz).date().isoformat())
        else:
            assessment = t(ctx.lang, f"team.assessment.{state.status if state else 'none'}")
        means: list[Any] = [None] * len(framework.areas)
        if report.person_id in latest:
            summary = summarise_assessment(latest[report.person_id][1], framework)
            means = [None if summary[area.key].mean is None else round(summary[area.key].mean, 1)
                     for area in framework.areas]
        plan = plans_by_person.get(report.person_id) if report.person_id else None
        table.rows.append([report.name, unit_names.get(report.unit_id, "") if report.unit_id else "", assessment,
                           *means, t(ctx.lang, f"team.plan.{plan.state}" if plan else "team.plan.none")])
        table.classes.append(["", "", "", *[_level_class(m) for m in means], ""])
    return table


def team_view(session: Session, viewer: Viewer, ctx: Context) -> Page:
    table = team_table(session, viewer, ctx)
    body = (f"<h1>{_t(ctx, 'tab.view.team')}</h1><p>{_t(ctx, 'tab.team.intro')}</p>"
            + table_html(table, ctx, downloads={f: ctx.download("team", f) for f in ("csv", "xlsx")}))
    return Page(View.TEAM, body, {"team": table})


# ---- everyone: my page ----------------------------------------------------------------------------------------

def me_view(session: Session, viewer: Viewer, ctx: Context) -> Page:
    person_id = viewer.entry.person_id
    framework = load_framework(FRAMEWORK_VERSION)
    parts = [f"<h1>{_t(ctx, 'tab.view.me')}</h1>"]
    latest = reports.latest_levels(session, [person_id]).get(person_id) if person_id else None
    if latest is None:
        parts.append(f"<p>{_t(ctx, 'tab.me.no_assessment')}</p>")
    else:
        finished_at, levels = latest
        targets = {key: target.level for key, target in effective_targets(session, person_id=person_id).items()}
        bars = [(c.key, levels.get(c.key), targets.get(c.key)) for c in framework.competences]
        description = "; ".join(
            t(ctx.lang, "tab.me.bar", competence=key, level="–" if level is None else level,
              target="–" if target is None else target) for key, level, target in bars)
        parts.append(f"<h2>{_t(ctx, 'tab.me.profile', date=aware(finished_at).astimezone(ctx.tz).date())}</h2>")
        parts.append(svg.level_bars(bars, title=t(ctx.lang, "tab.me.chart"), description=description,
                                    chart_id="profile-chart"))
        table = Table("min-profil", t(ctx.lang, "tab.me.levels"),
                      [t(ctx.lang, "tab.col.competence"), t(ctx.lang, "tab.col.level"), t(ctx.lang, "tab.col.target")])
        for competence in framework.competences:
            table.rows.append([f"{competence.key} {competence.title.of(ctx.lang)}", levels.get(competence.key),
                               targets.get(competence.key)])
        parts.append(table_html(table, ctx))
    plan = plans.latest_plan(session, person_id=person_id) if person_id else None
    parts.append(f"<h2>{_t(ctx, 'tab.me.plan')}</h2>")
    if plan is None:
        parts.append(f"<p>{_t(ctx, 'tab.me.no_plan')}</p>")
    else:
        parts.append(f"<p>{_t(ctx, 'tab.me.plan_state', period=plan.period, state=t(ctx.lang, f'team.plan.{plan.state}'))}</p>")
        if plan.priorities:
            titles = {c.key: c.title.of(ctx.lang) for c in framework.competences}
            items = "".join(
                f"<li>{escape(str(p.get('competence')))} {escape(titles.get(p.get('competence'), ''))}: "
                f"{_t(ctx, 'tab.me.priority', level=_shown(p.get('level'), ctx.lang), target=_shown(p.get('target'), ctx.lang))}</li>"
                for p in plan.priorities)
            parts.append(f"<ul>{items}</ul>")
        if plan.goals:
            parts.append(f"<h3>{_t(ctx, 'tab.me.goals')}</h3><p>{escape(plan.goals)}</p>")
    # PLUG (activities, issue 13): the person's activities (signed up, done) and hours go here.
    parts.append(f"<h2>{_t(ctx, 'tab.me.activities')}</h2><p>{_t(ctx, 'tab.me.activities_later')}</p>")
    parts.append(f'<p><a href="{escape(ctx.link(view=View.MY_DATA))}">{_t(ctx, "tab.view.mydata")}</a></p>')
    return Page(View.ME, "".join(parts))


# ---- everyone: everything stored about me ----------------------------------------------------------------------

def my_data(session: Session, viewer: Viewer) -> dict[str, Any]:
    """The privacy export of the viewer (audited by export_person); empty sections if they never used the bot."""
    if viewer.entry.person_id is None:
        return {"directory_entries": [viewer.entry.model_dump(mode="json")]}
    return export_person(session, person_id=viewer.entry.person_id, actor=f"tab:{viewer.entry.email}")


def my_data_view(session: Session, viewer: Viewer, ctx: Context) -> Page:
    data = my_data(session, viewer)
    parts = [f"<h1>{_t(ctx, 'tab.view.mydata')}</h1><p>{_t(ctx, 'tab.mydata.intro')}</p>",
             f'<p class="downloads"><a class="button" data-download href="{escape(ctx.download("mydata", "json"))}" '
             f'download>{_t(ctx, "tab.download", format="json")}</a></p>']
    for section, value in data.items():
        parts.append(f"<h2>{escape(section.replace('_', ' '))}</h2>{_readable(value)}")
    return Page(View.MY_DATA, "".join(parts))


def _readable(value: Any, depth: int = 0) -> str:
    if isinstance(value, dict):
        if not value:
            return "<p>–</p>"
        rows = "".join(f"<dt>{escape(str(key))}</dt><dd>{_readable(item, depth + 1)}</dd>" for key, item in value.items())
        return f"<dl>{rows}</dl>"
    if isinstance(value, list):
        if not value:
            return "<p>–</p>"
        return "<ol>" + "".join(f"<li>{_readable(item, depth + 1)}</li>" for item in value) + "</ol>"
    return escape("–" if value is None else json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value)


RENDERERS = {
    View.HEATMAP: heatmap_view, View.PARTICIPATION: participation_view, View.ESF: esf_view,
    View.TEAM: team_view, View.ME: me_view, View.MY_DATA: my_data_view,
    View.MATURITY: maturity_view, View.BROADCASTS: broadcasts_view,
}

# Downloadable tables by name: the view that may give them, and the function that builds them.
DOWNLOADS = {
    "heatmap": (View.HEATMAP, lambda s, v, c: heatmap_table(s, v, c)[0]),
    "participation": (View.PARTICIPATION, lambda s, v, c: participation_table(s, v, c)[0]),
    "team": (View.TEAM, team_table),
    "esf": (View.ESF, lambda s, v, c: esf_table(s, v, c)[0]),
    "maturity": (View.MATURITY, lambda s, v, c: maturity_table(s, v, c)[0]),
    "broadcasts": (View.BROADCASTS, lambda s, v, c: broadcasts_table(s, v, c)[0]),
}
