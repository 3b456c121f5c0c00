"""`python -m bot export esf`: only a coordinator of the organisation exports, every export is audited, and the
numbers are the hand-computed ones (the activities' hours come in through the plug)."""

from __future__ import annotations

import io
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlmodel import select

from bot.cli import main
from bot.cli.export import export_esf
from store.models.core import AuditEvent
from store.reports import PersonActivity
from tests.tab_fixtures import seed_tab_organisation

AT = datetime(2026, 3, 10, 9, 0, tzinfo=timezone.utc)


@pytest.fixture
def people(db, tmp_path):
    return seed_tab_organisation(db, tmp_path, assessed_at=AT)


def test_a_coordinator_exports_hours_per_participant_and_month_as_xlsx(db, people):
    anna = people["s1"]

    def hours(session, organisation_id, start, end):
        return {anna.person_id: PersonActivity(date(2026, 1, 15), None, {date(2026, 1, 1): Decimal("2.5"),
                                                                         date(2026, 2, 1): Decimal("4")})}

    data, count = export_esf(db, org="stockholm-kultur", start=date(2026, 1, 1), end=date(2026, 2, 28),
                             by="maria@stockholm.se", fmt="xlsx", hours=hours)
    rows = list(load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True))
    assert count == 2
    assert [(r[1], r[8], r[9]) for r in rows[1:]] == [("Anna Lindberg", "2026-01", 2.5), ("Anna Lindberg", "2026-02", 4)]
    with db.session() as session:
        event = session.exec(select(AuditEvent).where(AuditEvent.action == "report.esf_exported")).one()
    assert event.details == {"by": "maria@stockholm.se", "via": "cli", "format": "xlsx", "rows": 2,
                             "from": "2026-01-01", "to": "2026-02-28"}


def test_someone_who_is_not_a_coordinator_cannot_export(db, people):
    with pytest.raises(PermissionError, match="karin@stockholm.se is not a coordinator of stockholm-kultur"):
        export_esf(db, org="stockholm-kultur", start=date(2026, 1, 1), end=date(2026, 2, 28),
                   by="karin@stockholm.se", fmt="csv")


def test_the_command_writes_a_csv_file(database_url, tmp_path, monkeypatch, capsys, people):
    monkeypatch.setenv("DATABASE_URL", database_url)
    out = tmp_path / "esf.csv"
    code = main(["export", "esf", "--org", "stockholm-kultur", "--from", "2026-01-01", "--to", "2026-03-31",
                 "--by", "maria@stockholm.se", "--out", str(out)])
    assert code == 0 and out.read_text(encoding="utf-8-sig").startswith("person_id;name;email;organisation")
    assert main(["export", "esf", "--org", "stockholm-kultur", "--from", "2026-01-01", "--to", "2026-03-31",
                 "--by", "karin@stockholm.se"]) == 1
    assert "only coordinators" in capsys.readouterr().err
