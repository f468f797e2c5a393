"""Writing CSV for spreadsheets: row by row (so a large report streams), formula-safe cells."""

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime

# A spreadsheet reads a cell starting with one of these as a formula (OWASP "CSV injection").
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> str | int:
    """A cell as text a spreadsheet shows as written: numbers stay numbers, dates are ISO
    dates, and text that would start a formula gets a leading quote."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return value
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def csv_lines(header: Sequence[str], rows: Iterable[Sequence], batch: int = 200) -> Iterator[str]:
    """The header, then the rows, as CSV text in chunks of `batch` rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for n, row in enumerate(rows, start=1):
        writer.writerow([safe_cell(value) for value in row])
        if n % batch == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
