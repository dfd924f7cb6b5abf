"""The subscriber list as CSV, both ways: the export an admin downloads (safe to open in a
spreadsheet) and the import an admin uploads (addresses to invite, and the rows that are not).

A spreadsheet runs a cell that starts with ``=``, ``+``, ``-`` or ``@`` (and, in some, a tab or a
carriage return) as a formula: such a cell is written with a leading apostrophe, the usual guard
against CSV formula injection.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field

from digest.core.plans import validate_address
from digest.core.subscriber import ACTIVE, Subscriber, normalize_address

EXPORT_COLUMNS = ("email", "status", "plan", "timezone", "send_hour", "created", "confirmed")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
ADDRESS_HEADERS = ("email", "e-mail", "address", "email address")


def safe_cell(value: object) -> str:
    """``value`` as a CSV cell a spreadsheet shows as text, never runs as a formula.

    Examples
    --------
    >>> safe_cell("=HYPERLINK(\\"http://x\\")"), safe_cell("-1"), safe_cell("ada@example.org"), safe_cell(None)
    ('\\'=HYPERLINK("http://x")', "'-1", 'ada@example.org', '')
    """
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def export_row(reader: Subscriber) -> list[str]:
    """One reader's row: address, status, plan, time zone, send hour, the date the record was
    created and, for an active reader whose last status change was the confirmation, that date
    (no separate confirmation time is stored; a later change of preferences moves it).

    Examples
    --------
    >>> export_row(Subscriber("sub-1", "ada@example.org", "active", "paid", "Europe/Paris", created_at="2026-11-02T10:00:00+00:00",
    ...                       updated_at="2026-11-02T10:05:00+00:00", reason="confirmed", send_hour=7))
    ['ada@example.org', 'active', 'paid', 'Europe/Paris', '7', '2026-11-02', '2026-11-02']
    """
    confirmed = reader.updated_at[:10] if reader.status == ACTIVE and reader.reason == "confirmed" else ""
    hour = "" if reader.send_hour is None else str(reader.send_hour)
    values = (reader.email, reader.status, reader.plan, reader.timezone, hour, reader.created_at[:10], confirmed)
    return [safe_cell(v) for v in values]


def export_csv(readers: Iterable[Subscriber]) -> str:
    """The CSV an admin downloads: a header, then one row per reader (CRLF line ends, RFC 4180).

    Examples
    --------
    >>> print(export_csv([Subscriber("sub-1", "@evil@example.org", "pending")]).replace("\\r", ""))
    email,status,plan,timezone,send_hour,created,confirmed
    '@evil@example.org,pending,trial,,,,
    <BLANKLINE>
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(EXPORT_COLUMNS)
    for reader in readers:
        writer.writerow(export_row(reader))
    return out.getvalue()


@dataclass(frozen=True)
class ImportRows:
    """What an uploaded CSV holds: valid addresses (normalised, each once, in file order), the
    rows that are not addresses (``{"row", "value", "problem"}``), repeated addresses, and the
    rows left out past the cap."""

    addresses: list[str] = field(default_factory=list)
    invalid: list[dict[str, object]] = field(default_factory=list)
    repeated: int = 0
    over_cap: int = 0


def read_import(text: str, cap: int) -> ImportRows:
    """The addresses of an uploaded CSV: the column headed email (or address), else the first
    column; a first row that is such a header is skipped, blank rows are ignored. At most ``cap``
    addresses are taken; the rest are counted in ``over_cap``, never dropped silently.

    Examples
    --------
    >>> rows = read_import("Email,plan\\nAda@Example.org,paid\\nnot-an-address,\\nada@example.org,\\n\\n", cap=10)
    >>> rows.addresses, rows.repeated, rows.invalid
    (['ada@example.org'], 1, [{'row': 3, 'value': 'not-an-address', 'problem': 'address must contain exactly one @'}])
    >>> read_import("a@example.org\\nb@example.org\\nc@example.org", cap=2).over_cap
    1
    """
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    column, start = 0, 0
    if rows:
        header = [cell.strip().lower() for cell in rows[0]]
        named = [i for i, cell in enumerate(header) if cell in ADDRESS_HEADERS]
        if named:
            column, start = named[0], 1
    addresses: list[str] = []
    seen: set[str] = set()
    invalid: list[dict[str, object]] = []
    repeated = over_cap = 0
    for number, row in enumerate(rows[start:], start=start + 1):
        raw = row[column].strip() if column < len(row) else ""
        if not raw and not any(cell.strip() for cell in row):
            continue
        address = normalize_address(raw)
        problem = validate_address(address)
        if problem:
            invalid.append({"row": number, "value": raw[:80], "problem": problem})
        elif address in seen:
            repeated += 1
        elif len(addresses) >= cap:
            over_cap += 1
        else:
            seen.add(address)
            addresses.append(address)
    return ImportRows(addresses, invalid, repeated, over_cap)
