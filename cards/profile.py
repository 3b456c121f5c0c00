"""The competence profile (levels, chart, comparison, largest gaps), the assessment history and the targets card.

The DigComp titles come from the handler (cards.digcomp_titles), in the card's language.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Mapping, Protocol, Sequence

from cards.chart import chart_data_uri, chart_png
from cards.digcomp_titles import DigCompTitles
from cards.elements import (
    Element, action_set, card, choice_set, container, execute, facts, heading, image, submit, text,
)
from cards.i18n import Lang, t
from cards.sample_titles import sample_titles
from cards.verbs import Verb

ROLE_NONE = "none"
FOLLOW_ROLE = "role"


class GapLike(Protocol):
    competence: str
    level: int
    target: int

    @property
    def size(self) -> int: ...


@dataclass(frozen=True)
class ProfileView:
    """What the profile card shows; the handler fills it from the store and the scoring rules."""

    finished: date
    mode: str
    levels: Mapping[str, int | None]
    area_means: Mapping[str, float | None]
    targets: Mapping[str, int] = field(default_factory=dict)
    top_gaps: Sequence[GapLike] = ()
    previous_finished: date | None = None
    previous_levels: Mapping[str, int | None] | None = None
    previous_area_means: Mapping[str, float | None] | None = None
    role_title: str | None = None
    # Why the previous assessment is not compared ("scoring": counted by an older scoring rule), or None.
    previous_not_comparable: str | None = None
    previous_mode: str | None = None
    # Competences whose level (7-8) waits for the manager's confirmation in the development dialogue.
    to_confirm: frozenset[str] = frozenset()


@dataclass(frozen=True)
class HistoryEntry:
    assessment_id: int
    finished: date
    mode: str
    levels: Mapping[str, int | None]
    area_means: Mapping[str, float | None]
    # Levels scored by different rules are listed, not compared.
    scoring_version: int = 1


def mode_label(lang: Lang, mode: str) -> str:
    return t(lang, f"assessment.mode_label.{mode}")


def decimal(lang: Lang, value: float | None) -> str:
    if value is None:
        return t(lang, "history.dash")
    shown = f"{value:.1f}"
    return shown.replace(".", ",") if lang == "sv" else shown


def signed(value: int) -> str:
    return f"+{value}" if value > 0 else f"−{-value}" if value < 0 else "±0"


def level_text(lang: Lang, titles: DigCompTitles, level: int | None, *, to_confirm: bool = False) -> str:
    if level is None:
        return t(lang, "profile.fact.not_relevant")
    if level == 0:
        return t(lang, "profile.fact.level_zero")
    found = titles.level(level)
    shown = t(lang, "profile.fact.level", level=level, group=found.group if found else "")
    return t(lang, "chart.to_confirm", level=shown) if to_confirm else shown


def _chart(lang: Lang, titles: DigCompTitles, view: ProfileView) -> Element:
    areas = [(area.key, f"{area.key} {area.title}", [key for key, _ in area.competences]) for area in titles.areas]
    png = chart_png(areas, view.levels, view.targets, view.previous_levels,
                    legend=(t(lang, "chart.legend.level"), t(lang, "chart.legend.target"),
                            t(lang, "chart.legend.previous")), pending=view.to_confirm)
    return image(chart_data_uri(png), alt=chart_alt_text(lang, titles, view), size="Stretch")


def chart_alt_text(lang: Lang, titles: DigCompTitles, view: ProfileView) -> str:
    """What the chart shows, as a sentence per area, for screen readers (the card's fact sets say it again)."""
    dash = t(lang, "history.dash")
    areas = []
    for area in titles.areas:
        values = []
        for key, _ in area.competences:
            level = view.levels.get(key)
            parts = [str(level) if level is not None else dash]
            if view.targets.get(key) is not None:
                parts.append(t(lang, "chart.alt.target", target=view.targets[key]))
            before = (view.previous_levels or {}).get(key)
            if before is not None:
                parts.append(t(lang, "chart.alt.previous", level=before))
            values.append(f"{key} {parts[0]}" + (f" ({', '.join(parts[1:])})" if len(parts) > 1 else ""))
        areas.append(f"{area.key} {area.title}: {', '.join(values)}")
    return t(lang, "chart.alt", areas="; ".join(areas))


def _comparison(lang: Lang, view: ProfileView) -> Element:
    if view.previous_not_comparable and view.previous_finished is not None:
        return text(t(lang, f"chart.comparison.not_comparable.{view.previous_not_comparable}",
                      date=view.previous_finished.isoformat()), subtle=True)
    if view.previous_levels is None or view.previous_finished is None:
        return text(t(lang, "profile.comparison.first"), subtle=True)
    raised = lowered = 0
    for key, level in view.levels.items():
        before = view.previous_levels.get(key)
        if level is not None and before is not None:
            raised += level > before
            lowered += level < before
    said = t(lang, "profile.comparison.previous", date=view.previous_finished.isoformat(), raised=raised,
             lowered=lowered)
    if view.previous_mode and view.previous_mode != view.mode:
        said += " " + t(lang, "chart.comparison.modes_differ",
                        previous=t(lang, f"chart.mode_definite.{view.previous_mode}"),
                        now=t(lang, f"chart.mode_definite.{view.mode}"))
    return text(said)


def _gaps(lang: Lang, titles: DigCompTitles, view: ProfileView) -> list[Element]:
    items = [text(t(lang, "profile.gaps.title"), weight="Bolder", size="Medium", spacing="Medium")]
    if not view.targets:
        items.append(text(t(lang, "profile.gaps.no_targets")))
    elif not view.top_gaps:
        items.append(text(t(lang, "profile.gaps.none")))
    for gap in view.top_gaps:
        items.append(text(t(lang, "profile.gaps.item", code=gap.competence, title=titles.competence(gap.competence),
                            level=gap.level, target=gap.target, size=gap.size), spacing="Small"))
    return items


def _area_sections(lang: Lang, titles: DigCompTitles, view: ProfileView) -> list[Element]:
    sections = []
    for area in titles.areas:
        mean = view.area_means.get(area.key)
        previous = (view.previous_area_means or {}).get(area.key)
        if mean is None:
            heading_text = t(lang, "profile.area_not_relevant", code=area.key, title=area.title)
        elif previous is not None:
            heading_text = t(lang, "profile.area_mean_previous", code=area.key, title=area.title,
                             mean=decimal(lang, mean), previous=decimal(lang, previous))
        else:
            heading_text = t(lang, "profile.area_mean", code=area.key, title=area.title, mean=decimal(lang, mean))
        rows = []
        for key, title in area.competences:
            level = view.levels.get(key)
            parts = [level_text(lang, titles, level, to_confirm=key in view.to_confirm)]
            if key in view.targets:
                parts.append(t(lang, "profile.fact.target", target=view.targets[key]))
            before = (view.previous_levels or {}).get(key)
            if level is not None and before is not None and level != before:
                parts.append(t(lang, "profile.fact.change", change=signed(level - before)))
            # The key as the narrow title, the name in the wide value column: long names do not wrap word by word.
            rows.append((key, t(lang, "plan.priority.line", title=title, levels=" · ".join(parts))))
        sections.append(container([text(heading_text, weight="Bolder"), facts(rows)], separator=True))
    return sections


def profile_card(lang: Lang, *, titles: DigCompTitles, view: ProfileView, notice: str | None = None) -> dict:
    body: list[Element] = [heading(t(lang, "profile.title"))]
    if notice:
        body.append(text(notice, color="Good", weight="Bolder"))
    body.append(text(t(lang, "profile.finished", date=view.finished.isoformat(), mode=mode_label(lang, view.mode))))
    if view.role_title:
        body.append(text(t(lang, "profile.role", role=view.role_title), spacing="None"))
    body.append(_comparison(lang, view))
    body.append(_chart(lang, titles, view))
    if view.to_confirm:
        body.append(text(t(lang, "chart.to_confirm_note"), subtle=True, size="Small"))
    body.extend(_gaps(lang, titles, view))
    body.extend(_area_sections(lang, titles, view))
    body.append(text(t(lang, "assessment.attribution"), subtle=True, size="Small"))
    return card(body, [
        submit(t(lang, "profile.button.targets"), Verb.TARGETS_SHOW),
        submit(t(lang, "profile.button.history"), Verb.HISTORY_SHOW),
        submit(t(lang, "profile.button.new"), Verb.ASSESSMENT_START),
    ], lang=lang)


def no_profile_card(lang: Lang, *, in_progress_id: int | None) -> dict:
    body = [heading(t(lang, "profile.none.title")), text(t(lang, "profile.none.body"))]
    if in_progress_id is not None:
        body.append(text(t(lang, "profile.none.in_progress")))
        actions = [execute(t(lang, "assessment.resume.continue"), Verb.ASSESSMENT_RESUME,
                           {"assessment": in_progress_id}, style="positive")]
    else:
        actions = [submit(t(lang, "assessment.start"), Verb.ASSESSMENT_START, style="positive")]
    return card(body, [*actions, submit(t(lang, "menu.help"), Verb.HELP)], lang=lang)


def history_card(lang: Lang, *, titles: DigCompTitles, entries: Sequence[HistoryEntry]) -> dict:
    """Finished assessments, newest first, with average per area; the change between the latest two."""
    body: list[Element] = [heading(t(lang, "history.title"))]
    if not entries:
        body.append(text(t(lang, "history.none")))
        return card(body, [submit(t(lang, "assessment.start"), Verb.ASSESSMENT_START)], lang=lang)

    legend = ", ".join(f"{area.key} {area.title}" for area in titles.areas)
    body.append(text(t(lang, "history.areas_legend", areas=legend), subtle=True, size="Small"))
    body.append(facts([
        (t(lang, "history.item", date=entry.finished.isoformat(), mode=mode_label(lang, entry.mode)),
         " · ".join(f"{area.key}: {decimal(lang, entry.area_means.get(area.key))}" for area in titles.areas))
        for entry in entries
    ]))
    body.append(_history_comparison(lang, titles, entries))
    views = [submit(t(lang, "history.show", date=entry.finished.isoformat()), Verb.PROFILE_SHOW,
                    {"assessment": entry.assessment_id}) for entry in _unique_dates(entries)]
    body.append(action_set(views))
    return card(body, [submit(t(lang, "profile.button.new"), Verb.ASSESSMENT_START)], lang=lang)


def _unique_dates(entries: Sequence[HistoryEntry]) -> list[HistoryEntry]:
    # Button titles must tell the buttons apart; of two assessments on one day, the later one is shown.
    seen, unique = set(), []
    for entry in entries:
        if entry.finished not in seen:
            seen.add(entry.finished)
            unique.append(entry)
    return unique


def _history_comparison(lang: Lang, titles: DigCompTitles, entries: Sequence[HistoryEntry]) -> Element:
    if len(entries) < 2:
        return text(t(lang, "history.comparison.single"), subtle=True)
    latest, previous = entries[0], entries[1]
    if latest.scoring_version != previous.scoring_version:
        return text(t(lang, "chart.comparison.not_comparable.scoring", date=previous.finished.isoformat()),
                    subtle=True)
    rows = [(f"{area.key} {area.title}",
             t(lang, "history.comparison.area", previous=decimal(lang, previous.area_means.get(area.key)),
               latest=decimal(lang, latest.area_means.get(area.key))))
            for area in titles.areas]
    raised, lowered = [], []
    for key in titles.competence_keys:
        now, before = latest.levels.get(key), previous.levels.get(key)
        if now is None or before is None or now == before:
            continue
        (raised if now > before else lowered).append(f"{key} ({signed(now - before)})")
    items = [
        text(t(lang, "history.comparison.title", previous=previous.finished.isoformat(),
               latest=latest.finished.isoformat()), weight="Bolder", size="Medium"),
        facts(rows),
    ]
    if raised:
        items.append(text(t(lang, "history.comparison.raised", list=", ".join(raised))))
    if lowered:
        items.append(text(t(lang, "history.comparison.lowered", list=", ".join(lowered))))
    if not raised and not lowered:
        items.append(text(t(lang, "history.comparison.same")))
    return container(items, separator=True)


@dataclass(frozen=True)
class RoleChoice:
    key: str
    title: str


def target_input_id(competence: str) -> str:
    return "t" + competence.replace(".", "_")


def targets_card(lang: Lang, *, titles: DigCompTitles, roles: Sequence[RoleChoice], role_key: str | None,
                 role_targets: Mapping[str, int], personal_targets: Mapping[str, int], saved: bool = False) -> dict:
    """The person's job role and a target per competence: the role's by default, their own where chosen."""
    body: list[Element] = [heading(t(lang, "targets.title"))]
    if saved:
        body.append(text(t(lang, "targets.saved"), color="Good", weight="Bolder"))
    body.append(text(t(lang, "targets.intro")))
    if roles:
        body.append(choice_set("role", label=t(lang, "targets.role.label"), expanded=False,
                               choices=[(t(lang, "targets.role.none"), ROLE_NONE)]
                               + [(role.title, role.key) for role in roles],
                               value=role_key or ROLE_NONE))
    else:
        body.append(text(t(lang, "targets.role.no_profiles"), subtle=True))
    levels = [(level.title, str(level.level)) for level in titles.levels]
    for area in titles.areas:
        items: list[Element] = [text(f"{area.key} {area.title}", weight="Bolder", size="Medium")]
        for key, title in area.competences:
            role_target = role_targets.get(key)
            follow = (t(lang, "targets.follow_role", target=role_target) if role_target is not None
                      else t(lang, "targets.no_target"))
            own = personal_targets.get(key)
            items.append(choice_set(target_input_id(key), label=f"{key} {title}",
                                    choices=[(follow, FOLLOW_ROLE), *levels], expanded=False,
                                    value=str(own) if own is not None else FOLLOW_ROLE))
        body.append(container(items, separator=True))
    return card(body, [execute(t(lang, "targets.save"), Verb.TARGETS_SET, style="positive")], lang=lang)


_SAMPLE_LEVELS = {"1.1": 5, "1.2": 4, "1.3": 3, "2.1": 6, "2.2": 4, "2.3": None, "2.4": 5, "2.5": 6, "2.6": 3,
                  "3.1": 2, "3.2": 3, "3.3": 1, "3.4": 0, "4.1": 4, "4.2": 3, "4.3": 5, "4.4": 2, "5.1": 3,
                  "5.2": 4, "5.3": 3, "5.4": 4}
_SAMPLE_PREVIOUS = {**_SAMPLE_LEVELS, "1.1": 4, "2.1": 4, "3.1": 2, "3.3": 2, "4.2": 2, "5.4": 3}
_SAMPLE_TARGETS = {"1.1": 6, "1.2": 6, "1.3": 5, "2.1": 4, "2.2": 4, "2.3": 5, "2.4": 4, "2.5": 4, "2.6": 4,
                   "3.1": 4, "3.2": 4, "3.3": 5, "3.4": 2, "4.1": 4, "4.2": 5, "4.3": 4, "4.4": 3, "5.1": 4,
                   "5.2": 4, "5.3": 4, "5.4": 4}
_SAMPLE_ROLES = (("bibliotekarie", "Bibliotekarie", "Librarian"), ("chef", "Chef", "Manager"),
                 ("handlaggare", "Handläggare", "Case officer"), ("museipedagog", "Museipedagog", "Museum educator"))


@dataclass(frozen=True)
class _SampleGap:
    competence: str
    level: int
    target: int

    @property
    def size(self) -> int:
        return self.target - self.level


def _sample_means(levels: Mapping[str, int | None]) -> dict[str, float | None]:
    means = {}
    for area in "12345":
        known = [v for k, v in levels.items() if k.startswith(area + ".") and v is not None]
        means[area] = round(sum(known) / len(known), 1) if known else None
    return means


def _sample_profile(lang: Lang, *, previous: bool, targets: bool, notice: bool = False, **extra) -> dict:
    view = ProfileView(
        finished=date(2026, 3, 12), mode="long", levels=extra.pop("levels", _SAMPLE_LEVELS),
        area_means=_sample_means(_SAMPLE_LEVELS),
        targets=_SAMPLE_TARGETS if targets else {},
        top_gaps=[_SampleGap("3.3", 1, 5), _SampleGap("2.3", 0, 5), _SampleGap("4.2", 3, 5)] if targets else [],
        previous_finished=extra.pop("previous_finished", date(2025, 3, 20) if previous else None),
        previous_levels=_SAMPLE_PREVIOUS if previous else None,
        previous_area_means=_sample_means(_SAMPLE_PREVIOUS) if previous else None,
        role_title=("Bibliotekarie" if lang == "sv" else "Librarian") if targets else None,
        **extra,
    )
    return profile_card(lang, titles=sample_titles(lang), view=view,
                        notice=t(lang, "profile.saved_targets") if notice else None)


def _sample_history(lang: Lang, count: int) -> dict:
    levels = [_SAMPLE_LEVELS, _SAMPLE_PREVIOUS, {k: max(0, (v or 0) - 1) for k, v in _SAMPLE_PREVIOUS.items()}]
    entries = [HistoryEntry(48213 - i, date(2026 - i, 3, 12), "long" if i != 1 else "short", lv, _sample_means(lv))
               for i, lv in enumerate(levels[:count])]
    return history_card(lang, titles=sample_titles(lang), entries=entries)


def _sample_targets(lang: Lang, *, saved: bool) -> dict:
    return targets_card(lang, titles=sample_titles(lang),
                        roles=[RoleChoice(key, sv if lang == "sv" else en) for key, sv, en in _SAMPLE_ROLES],
                        role_key="bibliotekarie", role_targets=_SAMPLE_TARGETS,
                        personal_targets={"3.4": 4, "5.3": 6}, saved=saved)


SAMPLES = {
    "profile": lambda lang: _sample_profile(lang, previous=True, targets=True),
    "profile-first-without-targets": lambda lang: _sample_profile(lang, previous=False, targets=False),
    "profile-targets-saved": lambda lang: _sample_profile(lang, previous=True, targets=True, notice=True),
    "profile-modes-differ-to-confirm": lambda lang: _sample_profile(
        lang, previous=True, targets=True, previous_mode="short",
        levels={**_SAMPLE_LEVELS, "2.1": 7}, to_confirm=frozenset({"2.1"})),
    "profile-previous-other-scoring": lambda lang: _sample_profile(
        lang, previous=False, targets=True, previous_finished=date(2025, 3, 20), previous_not_comparable="scoring"),
    "profile-none": lambda lang: no_profile_card(lang, in_progress_id=None),
    "profile-none-in-progress": lambda lang: no_profile_card(lang, in_progress_id=48213),
    "history": lambda lang: _sample_history(lang, 3),
    "history-single": lambda lang: _sample_history(lang, 1),
    "history-other-scoring": lambda lang: history_card(lang, titles=sample_titles(lang), entries=[
        HistoryEntry(48213, date(2026, 3, 12), "long", _SAMPLE_LEVELS, _sample_means(_SAMPLE_LEVELS), 2),
        HistoryEntry(48212, date(2025, 3, 20), "long", _SAMPLE_PREVIOUS, _sample_means(_SAMPLE_PREVIOUS), 1)]),
    "history-empty": lambda lang: _sample_history(lang, 0),
    "targets": lambda lang: _sample_targets(lang, saved=False),
    "targets-saved": lambda lang: _sample_targets(lang, saved=True),
    "targets-without-roles": lambda lang: targets_card(lang, titles=sample_titles(lang), roles=[], role_key=None,
                                                       role_targets={}, personal_targets={}),
}
