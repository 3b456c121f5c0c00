"""The tab's organisation views at city scale on PostgreSQL, beside a plain SQL aggregate of the same numbers.

    python -m bench.reports [--people 50000] [--units 400] [--years 3] [--repeat 5] [--postgres-url URL]

DESIGN.md §5: "Organisation views over 50,000 people × 21 competences × 3 years on PostgreSQL: each under 2 s
and within 1.5× a plain SQL aggregate of the same numbers." Fills a fresh database (migrated, so with exactly
the indexes and tables the migrations create) by INSERT … SELECT generate_series: one organisation, `--units`
units in a tree (a root, departments, sections), 10 roles with a target per competence, `--people` people each
with a finished self-assessment per year (21 levels each) and a plan per year, sent and mostly approved; a
year of activities (2,000 published, four sign-ups per person: done with hours, placed, waiting, cancelled or
declined) and three closed survey rounds (everyone invited, three in five answered). The
heatmap's summary table (level_summary, migration 0014) is filled from those assessments by the same SQL as
the migration's backfill, in the order of finishing, as the bot writes it. Before timing, `verify` checks that
the heatmap's figures per unit and competence (median, share below target, levels) equal the plain
aggregate's. Then times, in the same run and alternating, the median of `--repeat` runs of:

  heatmap (area)         bot/tab/views.heatmap_table: the store's counts (level_summary joined with the
                         directory, levels joined per unit and role in SQL, counted with Counter), the
                         anonymity rule and the figures, the table
  heatmap (competence)   the same by competence
  participation          bot/tab/views.participation_table
  plain heatmap SQL      on the base tables, not the summary: each active person's latest finished
                         assessment of the year (DISTINCT ON), its 21 assessment_level rows joined with the
                         person's role target, then percentile_cont(0.5) + avg(below target) + count per unit
                         and competence; no merging of small groups
  plain participation    six GROUP BY unit, month counts (to_char of each row's month; hours: a sum by the
                         month they were recorded for) in one UNION ALL

Writes bench/results/reports-<timestamp>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import text

from bench.databases import Databases, postgres_server_url

RESULTS = Path(__file__).parent / "results"
COMPETENCES = ("1.1 1.2 1.3 2.1 2.2 2.3 2.4 2.5 2.6 3.1 3.2 3.3 3.4 4.1 4.2 4.3 4.4 5.1 5.2 5.3 5.4").split()
LAST_YEAR = 2026

FILL = """
INSERT INTO organisation (id, key, name, reference_group, created_at) VALUES (1, 'bench', 'Bench stad', false, now());
INSERT INTO directory_unit (id, organisation_id, code, name, parent_id, active)
  SELECT u, 1, 'U' || u, 'Enhet ' || u,
         CASE WHEN u = 1 THEN NULL WHEN u <= :departments + 1 THEN 1 ELSE 2 + (u % :departments) END, true
  FROM generate_series(1, :units) u;
INSERT INTO directory_role (id, organisation_id, key, name) SELECT r, 1, 'roll-' || r, 'Roll ' || r
  FROM generate_series(1, 10) r;
INSERT INTO role_profile (id, key, title_sv, title_en, framework_version, updated_at)
  SELECT r, 'roll-' || r, 'Roll ' || r, 'Role ' || r, '2.2', now() FROM generate_series(1, 10) r;
INSERT INTO role_target (role_profile_id, competence, target)
  SELECT r, c, 3 + (r + length(c) * 7 + ascii(substr(c, 3, 1))) % 4
  FROM generate_series(1, 10) r, unnest(CAST(:competences AS text[])) c;
INSERT INTO person (id, tenant_id, aad_object_id, name, email, created_at)
  SELECT p, 'bench-tenant', md5('p' || p), 'Person ' || p, 'p' || p || '@bench.se', now()
  FROM generate_series(1, :people) p;
INSERT INTO directory_entry (organisation_id, email, name, unit_id, role_id, person_id, active, created_at, updated_at)
  SELECT 1, 'p' || p || '@bench.se', 'Person ' || p, 1 + :departments + 1 + p % (:units - :departments - 1),
         1 + p % 10, p, true, now(), now()
  FROM generate_series(1, :people) p;
INSERT INTO person_role (person_id, role_profile_id, source, updated_at)
  SELECT p, 1 + p % 10, 'directory', now() FROM generate_series(1, :people) p;
INSERT INTO assessment (person_id, framework_version, instrument_version, mode, status, area_index, revision,
                        answers, started_at, updated_at, finished_at)
  SELECT p, '2.2', '2026.1', 'short', 'finished', 5, 1, '{}',
         make_timestamptz(y, 1 + p % 12, 1 + p % 27, 10, 0, 0, 'UTC'),
         make_timestamptz(y, 1 + p % 12, 1 + p % 27, 10, 0, 0, 'UTC'),
         make_timestamptz(y, 1 + p % 12, 1 + p % 27, 10, 0, 0, 'UTC')
  FROM generate_series(1, :people) p, generate_series(:first_year, :last_year) y;
INSERT INTO assessment_level (assessment_id, competence, level)
  SELECT a.id, c, 1 + (a.id * 7 + ascii(substr(c, 1, 1)) * 3 + ascii(substr(c, 3, 1))) % 8
  FROM assessment a, unnest(CAST(:competences AS text[])) c;
INSERT INTO level_summary (assessment_id, person_id, finished_at, superseded_at, levels)
  SELECT f.id, f.person_id, f.finished_at,
         lead(f.finished_at) OVER (PARTITION BY f.person_id ORDER BY f.finished_at, f.id), f.levels
  FROM (SELECT a.id, a.person_id, a.finished_at,
               coalesce(string_agg(l.competence || '=' || l.level, ' ' ORDER BY l.competence COLLATE "C"), '') AS levels
        FROM assessment a LEFT JOIN assessment_level l ON l.assessment_id = a.id AND l.level IS NOT NULL
        WHERE a.status = 'finished' GROUP BY a.id, a.person_id, a.finished_at) f
  ORDER BY f.finished_at, f.id;
INSERT INTO plan (person_id, period, state, version, priorities, goals, activities, created_at, updated_at,
                  state_changed_at, sent_at, approved_at, review_reminders, draft_reminders)
  SELECT p, y, CASE WHEN p % 4 = 0 THEN 'sent' ELSE 'approved' END, 3, '[]', '', '',
         make_timestamptz(y, 1 + p % 12, 1 + p % 27, 11, 0, 0, 'UTC'), now(), now(),
         make_timestamptz(y, 1 + p % 12, 1 + p % 27, 12, 0, 0, 'UTC'),
         CASE WHEN p % 4 = 0 THEN NULL ELSE make_timestamptz(y, 1 + (p + 1) % 12, 1 + p % 27, 12, 0, 0, 'UTC') END,
         0, 0
  FROM generate_series(1, :people) p, generate_series(:first_year, :last_year) y;
INSERT INTO activity (id, organisation_id, key, format, competences, level_min, level_max, roles, hours, self_paced,
                      status, shared, places_taken, external_places, version, created_at, updated_at, starts_at)
  SELECT a, 1, 'a' || a, 'kurs', (CAST(:competences AS text[]))[1 + a % 21], 1 + a % 4, 5 + a % 4, '', 1 + a % 8,
         a % 3 = 0, 'published', false, 0, 0, 1, now(), now(),
         CASE WHEN a % 3 = 0 THEN NULL ELSE make_timestamptz(:last_year, 1 + a % 12, 1 + a % 27, 9, 0, 0, 'UTC') END
  FROM generate_series(1, 2000) a;
INSERT INTO activity_signup (activity_id, person_id, status, signed_up_at, updated_at, hours, completed_at)
  SELECT s.activity_id, s.p, s.status, s.at, s.at,
         CASE WHEN s.status = 'completed' THEN 1 + s.activity_id % 8 END,
         CASE WHEN s.status = 'completed' THEN s.at + interval '14 days' END
  FROM (SELECT p, 1 + (p * 7 + k * 131) % 2000 AS activity_id,
               CASE WHEN k = 1 OR (k = 2 AND p % 2 = 0) THEN 'completed' WHEN k = 2 THEN 'signed_up'
                    WHEN k = 3 AND p % 5 = 0 THEN 'waiting' WHEN k = 3 THEN 'cancelled' ELSE 'declined' END AS status,
               make_timestamptz(:last_year, 1 + (p + k) % 11, 1 + p % 27, 9, 0, 0, 'UTC') AS at
        FROM generate_series(1, :people) p, generate_series(1, 4) k) s;
INSERT INTO activity_hours (person_id, activity_id, organisation_id, month, hours, recorded_at)
  SELECT person_id, activity_id, 1, to_char(timezone('UTC', completed_at), 'YYYY-MM'), hours, completed_at
  FROM activity_signup WHERE status = 'completed';
INSERT INTO survey_round (id, organisation_id, instrument_version, opens_on, closes_on, min_group, status,
                          created_at, answer_count)
  SELECT y, 1, '2026.1', make_date(y, 10, 1), make_date(y, 10, 31), 5, 'closed', now(), :people * 3 / 5
  FROM generate_series(:first_year, :last_year) y;
INSERT INTO survey_invitation (round_id, person_id, unit_id, invited_on, answered_on)
  SELECT y, p, 1 + :departments + 1 + p % (:units - :departments - 1), make_date(y, 10, 1),
         CASE WHEN (p + y) % 5 < 3 THEN make_date(y, 10, 1 + p % 28) END
  FROM generate_series(1, :people) p, generate_series(:first_year, :last_year) y;
INSERT INTO survey_response (id, round_id, unit_id, answers)
  SELECT md5(y || '-' || p), y, 1 + :departments + 1 + p % (:units - :departments - 1),
         CAST('{"strategi": ' || (1 + (p + y) % 5) || ', "kompetens": ' || (1 + p % 5) || '}' AS json)
  FROM generate_series(1, :people) p, generate_series(:first_year, :last_year) y WHERE (p + y) % 5 < 3;
SELECT setval(pg_get_serial_sequence('person', 'id'), :people);
SELECT setval(pg_get_serial_sequence('activity', 'id'), 2000);
SELECT setval(pg_get_serial_sequence('survey_round', 'id'), :last_year);
"""

PLAIN_HEATMAP = """
WITH latest AS (
  SELECT DISTINCT ON (a.person_id) a.id, a.person_id, e.unit_id
  FROM assessment a JOIN directory_entry e ON e.person_id = a.person_id AND e.organisation_id = 1 AND e.active
  WHERE a.status = 'finished' AND a.finished_at >= :start AND a.finished_at < :end
  ORDER BY a.person_id, a.finished_at DESC, a.id DESC)
SELECT latest.unit_id, l.competence, percentile_cont(0.5) WITHIN GROUP (ORDER BY l.level),
       avg(CASE WHEN rt.target IS NULL THEN NULL WHEN l.level < rt.target THEN 1.0 ELSE 0.0 END), count(*)
FROM latest JOIN assessment_level l ON l.assessment_id = latest.id
LEFT JOIN person_role pr ON pr.person_id = latest.person_id
LEFT JOIN role_target rt ON rt.role_profile_id = pr.role_profile_id AND rt.competence = l.competence
WHERE l.level IS NOT NULL
GROUP BY latest.unit_id, l.competence
"""

PLAIN_PARTICIPATION = """
SELECT e.unit_id, to_char(timezone('UTC', a.finished_at), 'YYYY-MM'), 'assessments', count(*)
  FROM assessment a JOIN directory_entry e ON e.person_id = a.person_id AND e.organisation_id = 1 AND e.active
  WHERE a.status = 'finished' AND a.finished_at >= :start AND a.finished_at < :end GROUP BY 1, 2
UNION ALL
SELECT e.unit_id, to_char(timezone('UTC', p.sent_at), 'YYYY-MM'), 'sent', count(*)
  FROM plan p JOIN directory_entry e ON e.person_id = p.person_id AND e.organisation_id = 1 AND e.active
  WHERE p.sent_at >= :start AND p.sent_at < :end GROUP BY 1, 2
UNION ALL
SELECT e.unit_id, to_char(timezone('UTC', p.approved_at), 'YYYY-MM'), 'approved', count(*)
  FROM plan p JOIN directory_entry e ON e.person_id = p.person_id AND e.organisation_id = 1 AND e.active
  WHERE p.approved_at >= :start AND p.approved_at < :end GROUP BY 1, 2
UNION ALL
SELECT e.unit_id, to_char(timezone('UTC', s.signed_up_at), 'YYYY-MM'), 'signed_up', count(*)
  FROM activity_signup s JOIN directory_entry e ON e.person_id = s.person_id AND e.organisation_id = 1 AND e.active
  WHERE s.status IN ('signed_up', 'waiting', 'completed') AND s.signed_up_at >= :start AND s.signed_up_at < :end
  GROUP BY 1, 2
UNION ALL
SELECT e.unit_id, to_char(timezone('UTC', s.completed_at), 'YYYY-MM'), 'done', count(*)
  FROM activity_signup s JOIN directory_entry e ON e.person_id = s.person_id AND e.organisation_id = 1 AND e.active
  WHERE s.status = 'completed' AND s.completed_at >= :start AND s.completed_at < :end GROUP BY 1, 2
UNION ALL
SELECT e.unit_id, h.month, 'hours', sum(h.hours)
  FROM activity_hours h JOIN directory_entry e ON e.person_id = h.person_id AND e.organisation_id = 1 AND e.active
  WHERE h.month >= to_char(timezone('Europe/Stockholm', CAST(:start AS timestamptz)), 'YYYY-MM')
    AND h.month < to_char(timezone('Europe/Stockholm', CAST(:end AS timestamptz)), 'YYYY-MM') GROUP BY 1, 2
"""


def fill(db, *, people: int, units: int, years: int) -> float:
    began = time.perf_counter()
    params = {"people": people, "units": units, "departments": max(1, units // 20), "competences": COMPETENCES,
              "first_year": LAST_YEAR - years + 1, "last_year": LAST_YEAR}
    sql = FILL.replace("CAST(:competences AS text[])", "ARRAY[" + ",".join(f"'{c}'" for c in COMPETENCES) + "]")
    for key, value in params.items():
        if key != "competences":
            sql = sql.replace(f":{key}", str(int(value)))  # whole numbers only: safe to write into the SQL
    with db.engine.begin() as connection:
        for statement in (s.strip() for s in sql.split(";\n") if s.strip()):
            connection.execute(text(statement))
    import psycopg  # VACUUM needs autocommit, outside the engine's transactions

    with psycopg.connect(db.url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as connection:
        connection.execute("VACUUM ANALYZE")
    return time.perf_counter() - began


def verify(db) -> int:
    """The heatmap's figures, as the view computes them (summary table, Counter, the anonymity rule: no unit is
    below k here, so none is merged), equal the plain aggregate's per unit and competence: median, share below
    the target, levels counted; and the participation counts per unit, month and kind equal the plain ones.
    Returns the number of figures compared; raises on the first difference."""
    from dialogs.rules.report_figures import heatmap
    from store import reports
    from store.digcomp import load_framework

    tz = ZoneInfo("Europe/Stockholm")
    bounds = {"start": datetime(LAST_YEAR, 1, 1, tzinfo=tz), "end": datetime(LAST_YEAR + 1, 1, 1, tzinfo=tz)}
    competences = [c.key for c in load_framework("2.2").competences]
    with db.session() as session:
        plain = {(unit_id, competence): (float(median), None if below is None else float(below), count)
                 for unit_id, competence, median, below, count in session.execute(text(PLAIN_HEATMAP), bounds)}
        units = reports.organisation_units(session, organisation_id=1)
        histogram, sizes = reports.heatmap_counts(session, reports.ReportFilter(1, **bounds))
    figures = heatmap(histogram, sizes, {u.id: u.parent_id for u in units.values()}, columns=competences,
                      column_of={c: c for c in competences}, k=5)
    view = {(row.group, column): (cell.median, cell.share_below, cell.levels)
            for row in figures.rows for column, cell in row.cells.items() if cell.levels}
    if set(view) != set(plain):
        raise AssertionError(f"cells differ: {len(view)} in the view, {len(plain)} in the plain aggregate")
    for key, (median, below, count) in plain.items():
        got = view[key]
        if got[0] != median or got[2] != count or (below is None) != (got[1] is None) or \
                (below is not None and abs(got[1] - below) > 1e-9):
            raise AssertionError(f"{key}: view {got}, plain aggregate {(median, below, count)}")
    kinds = {"assessments": reports.ASSESSMENTS_FINISHED, "sent": reports.PLANS_SENT,
             "approved": reports.PLANS_APPROVED, "signed_up": reports.ACTIVITIES_SIGNED_UP,
             "done": reports.ACTIVITIES_DONE, "hours": reports.HOURS}
    with db.session() as session:
        plain_counts = {(unit_id, month, kinds[kind]): count
                        for unit_id, month, kind, count in session.execute(text(PLAIN_PARTICIPATION), bounds)}
        counts = {(row.unit_id, row.month, row.kind): row.count
                  for row in reports.participation_counts(session, reports.ReportFilter(1, **bounds))}
    if counts != plain_counts:
        raise AssertionError(f"participation differs: {len(counts)} counts in the view, {len(plain_counts)} plain")
    return len(plain) + len(plain_counts)


def _timed(function) -> float:
    began = time.perf_counter()
    function()
    return time.perf_counter() - began


def measure(db, *, repeat: int) -> dict[str, dict[str, float]]:
    from bot.tab.views import Context, Viewer, heatmap_table, participation_table
    from store.models.directory import DirectoryEntry, Organisation

    tz = ZoneInfo("Europe/Stockholm")
    now = datetime(LAST_YEAR, 12, 31, 12, 0, tzinfo=timezone.utc)
    query = {"from": f"{LAST_YEAR}-01-01", "to": f"{LAST_YEAR}-12-31"}
    bounds = {"start": datetime(LAST_YEAR, 1, 1, tzinfo=tz), "end": datetime(LAST_YEAR + 1, 1, 1, tzinfo=tz)}

    def view(build, by="area"):
        def run():
            with db.session() as session:
                viewer = Viewer(session.get(DirectoryEntry, 1), session.get(Organisation, 1), True, False)
                build(session, viewer, Context("sv", {**query, "by": by}, now, tz, 5))
        return run

    def plain(sql):
        def run():
            with db.session() as session:
                session.execute(text(sql), bounds).all()
        return run

    subjects = {
        "heatmap_area": view(heatmap_table, "area"),
        "heatmap_competence": view(heatmap_table, "competence"),
        "participation": view(participation_table),
        "plain_heatmap_sql": plain(PLAIN_HEATMAP),
        "plain_participation_sql": plain(PLAIN_PARTICIPATION),
    }
    for run in subjects.values():
        run()  # warm the caches once, each
    times: dict[str, list[float]] = {name: [] for name in subjects}
    for _ in range(repeat):
        for name, run in subjects.items():
            times[name].append(_timed(run))
    return {name: {"median_s": statistics.median(values), "min_s": min(values), "max_s": max(values)}
            for name, values in times.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--people", type=int, default=50_000)
    parser.add_argument("--units", type=int, default=400)
    parser.add_argument("--years", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--postgres-url")
    parser.add_argument("--keep", action="store_true", help="keep the filled database and print its URL")
    parser.add_argument("--database-url", help="measure an already filled database (one --keep left)")
    args = parser.parse_args(argv)
    from store.db import Database

    databases = Databases(Path(tempfile.mkdtemp()), postgres_server_url(args.postgres_url))
    url = args.database_url or databases.create("postgres")
    db = Database(url)
    try:
        db.migrate()
        filled = 0.0 if args.database_url else fill(db, people=args.people, units=args.units, years=args.years)
        verified = verify(db)
        results = measure(db, repeat=args.repeat)
    finally:
        db.dispose()
        if args.keep or args.database_url:
            print(f"database kept: {url}")
        else:
            databases.drop(url)
        databases.close()
    ratios = {"heatmap_area": results["heatmap_area"]["median_s"] / results["plain_heatmap_sql"]["median_s"],
              "heatmap_competence": results["heatmap_competence"]["median_s"] / results["plain_heatmap_sql"]["median_s"],
              "participation": results["participation"]["median_s"] / results["plain_participation_sql"]["median_s"]}
    print(f"filled {args.people} people, {args.units} units, {args.years} years in {filled:.1f} s")
    print(f"verified: the views' {verified} heatmap cells and participation counts equal the plain aggregates'")
    for name, figures in results.items():
        print(f"{name:26s} median {figures['median_s'] * 1000:8.1f} ms  (min {figures['min_s'] * 1000:.1f}, "
              f"max {figures['max_s'] * 1000:.1f})")
    for name, ratio in ratios.items():
        print(f"{name:26s} {ratio:.2f}x the plain aggregate")
    RESULTS.mkdir(exist_ok=True)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    (RESULTS / f"reports-{stamp}.json").write_text(json.dumps(
        {"people": args.people, "units": args.units, "years": args.years, "repeat": args.repeat,
         "fill_s": filled, "verified_cells": verified, "results": results, "ratios": ratios,
         "load_average": os.getloadavg()}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
