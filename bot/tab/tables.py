"""One table model for what the tab shows and downloads: the same rows become HTML, CSV and XLSX."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from openpyxl import Workbook

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass
class Table:
    name: str  # the file name without extension, e.g. "kompetens-enhet-omrade"
    title: str
    headers: list[str]
    rows: list[list[Any]] = field(default_factory=list)
    # Per row, per column: a CSS class for the HTML cell (the heatmap's colour), or "".
    classes: list[list[str]] = field(default_factory=list)


def _plain(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, float):
        return round(value, 2)
    return value


def to_csv(table: Table) -> bytes:
    """Semicolon-separated UTF-8 with a byte order mark: how Swedish Excel opens a CSV without asking."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(table.headers)
    for row in table.rows:
        writer.writerow([_csv_value(_plain(value)) for value in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _csv_value(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value  # never a formula in a spreadsheet (CSV injection)
    if isinstance(value, float):
        return str(value).replace(".", ",")
    if isinstance(value, Decimal):
        return format(value, "f").replace(".", ",")
    return value


def to_xlsx(table: Table) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = table.title[:31].replace("/", "-").replace(":", " ") or "Data"
    sheet.append(table.headers)
    for row in table.rows:
        sheet.append([float(value) if isinstance(value, Decimal) else _plain(value) for value in row])
    for cell in sheet[1]:
        cell.font = cell.font.copy(bold=True)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
