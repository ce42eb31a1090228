"""``tthc agencies …`` commands: the agency registry (đơn vị tiếp nhận, giải quyết) and its CSV import."""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import click
from sqlalchemy import inspect

from config.cli import CommandError, cli, load_settings
from events.search import fold
from tracker.agencies import (
    LEVELS,
    Agency,
    AgencyError,
    AgencyNotFoundError,
    AgencyRegistry,
    agency,
    clean_ref,
)

DAY = click.DateTime(formats=["%Y-%m-%d", "%d/%m/%Y"])
ACTOR = click.option("--actor", default="cli", show_default=True, help="Who records it.")
COLUMNS = ("code", "name", "level", "parent", "valid_from", "valid_to", "successor")
VIETNAMESE_COLUMNS = ("Mã", "Tên", "Cấp", "Đơn vị cha", "Hiệu lực từ", "Hiệu lực đến", "Đơn vị kế thừa")
HEADERS = {unicodedata.normalize("NFC", title).casefold(): column
           for titles in (COLUMNS, VIETNAMESE_COLUMNS) for title, column in zip(titles, COLUMNS, strict=True)}
LEVEL_WORDS = {"central": "trung uong", "province": "tinh", "district": "huyen", "commune": "xa"}
LEVEL_OF = {word: level for level, vi in LEVEL_WORDS.items() for word in (level, vi, f"cap {vi}")}
TABLE_LINE = "{:<16} {:<9} {:<10} {:<10} {:<16} {}"


@cli.group("agencies")
def agencies_group() -> None:
    """Agencies that receive and resolve dossiers (đơn vị tiếp nhận, giải quyết)."""


@contextlib.contextmanager
def registry():
    """Yield the agency registry of TTHC_DATABASE_URL; a refusal becomes a one-line failure."""
    from config.services import build_services

    services = build_services(load_settings())
    try:
        if not inspect(services.agencies.engine).has_table(agency.name):
            raise CommandError("the database has no agency table: run `tthc db upgrade` first")
        yield services.agencies
    except AgencyError as error:
        raise CommandError(error.message) from error
    finally:
        services.close()


@agencies_group.command("add")
@click.argument("code")
@click.argument("name")
@click.option("--level", required=True, type=click.Choice(LEVELS), help="Cấp: central, province, district, commune.")
@click.option("--parent", help="Code of the parent agency (đơn vị cha), already registered.")
@click.option("--valid-from", type=DAY, help="First day valid, YYYY-MM-DD or DD/MM/YYYY (default: always).")
@ACTOR
def agencies_add(code: str, name: str, level: str, parent: str | None, valid_from: dt.datetime | None,
                 actor: str) -> None:
    """Register agency CODE named NAME.

    Codes are never reused; a name is unique among current agencies.
    """
    with registry() as agencies:
        added = agencies.add(code, name, level, parent=parent, valid_from=valid_from.date() if valid_from else None,
                             actor=actor)
    click.echo(f"added {added.code} ({added.level}): {added.name}")


@agencies_group.command("close")
@click.argument("code")
@click.option("--on", "last_day", required=True, type=DAY, help="Last day the agency is valid.")
@click.option("--successor", help="Code of the agency that takes over (đơn vị kế thừa), valid the next day.")
@ACTOR
def agencies_close(code: str, last_day: dt.datetime, successor: str | None, actor: str) -> None:
    """Close agency CODE after its last day (merged, renamed, abolished); it is kept, never deleted."""
    with registry() as agencies:
        closed = agencies.close(code, last_day.date(), successor, actor=actor)
    click.echo(f"closed {closed.code}: last day {closed.valid_to:%d/%m/%Y}"
               + (f", successor {closed.successor}" if closed.successor else ""))


@agencies_group.command("list")
@click.option("--level", type=click.Choice(LEVELS), help="Only agencies of this level.")
@click.option("--all", "show_all", is_flag=True, help="Include closed agencies.")
def agencies_list(level: str | None, show_all: bool) -> None:
    """List the current agencies (with --all, closed ones too) by code.

    Columns: code, level, first and last day valid (DD/MM/YYYY, blank: open), parent, name, and
    '→ CODE' for the successor of a closed agency.
    """
    with registry() as agencies:
        page, shown = 1, 0
        while True:
            result = agencies.list(level=level, status="all" if show_all else "current", page=page, per_page=500)
            if page == 1:
                click.echo(TABLE_LINE.format("CODE", "LEVEL", "FROM", "TO", "PARENT", "NAME") if result.total
                           else "no agencies")
            for item in result.items:
                click.echo(table_line(item))
            shown += len(result.items)
            if not result.items or shown >= result.total:
                break
            page += 1


def table_line(item: Agency) -> str:
    day = "{:%d/%m/%Y}".format
    line = TABLE_LINE.format(item.code, item.level, day(item.valid_from) if item.valid_from else "",
                             day(item.valid_to) if item.valid_to else "", item.parent or "", item.name)
    return line + (f"  → {item.successor}" if item.successor else "")


@dataclass(frozen=True)
class Row:
    """One agency row of an import file, with its line number."""

    line: int
    fields: dict

    @property
    def refs(self) -> set[str]:
        return {self.fields[name] for name in ("parent", "successor") if self.fields[name]} - {self.fields["code"]}


@agencies_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@ACTOR
def agencies_import(file: Path, actor: str) -> None:
    """Register the agencies of FILE, a UTF-8 CSV (with or without BOM).

    \b
    Header, in English or Vietnamese (code, name and level are required):
      code,name,level,parent,valid_from,valid_to,successor
      Mã,Tên,Cấp,Đơn vị cha,Hiệu lực từ,Hiệu lực đến,Đơn vị kế thừa

    Levels: central, province, district, commune, or in Vietnamese (Cấp tỉnh, Tỉnh, Xã…); dates:
    YYYY-MM-DD or DD/MM/YYYY. A row may name a parent or successor defined further down. A row already
    registered identically is unchanged; each bad row is listed as 'line N: message' and the others go
    in. Exits 1 when a row failed.
    """
    rows, failures = read_rows(file)
    added = unchanged = 0
    with registry() as agencies:
        for row in dependency_order(rows, failures):
            try:
                if register(agencies, row, actor):
                    added += 1
                else:
                    unchanged += 1
            except AgencyError as error:
                failures.append((row.line, error.message))
    for line, message in sorted(failures):
        click.echo(f"line {line}: {message}", err=True)
    click.echo(f"added {added}, unchanged {unchanged}, failed {len(failures)}")
    if failures:
        rows_failed = f"{len(failures)} row{'s' if len(failures) > 1 else ''}"
        raise CommandError(f"{file.name}: {rows_failed} failed (listed above); the others were imported")


def register(agencies: AgencyRegistry, row: Row, actor: str) -> bool:
    """Add the row's agency and return True, or return False when it is already registered identically."""
    try:
        existing = agencies.get(row.fields["code"])
    except AgencyNotFoundError:
        agencies.add(**row.fields, actor=actor)
        return True
    differences = [f"{name}: đã đăng ký {shown(getattr(existing, name))}, trong tệp {shown(value)}"
                   for name, value in row.fields.items() if getattr(existing, name) != value]
    if differences:
        raise AgencyError(f"Đơn vị {existing.code} đã đăng ký với thông tin khác ({'; '.join(differences)}).")
    return False


def shown(value) -> str:
    if value is None:
        return "(trống)"
    return f"{value:%d/%m/%Y}" if isinstance(value, dt.date) else f"“{value}”"


def dependency_order(rows: list[Row], failures: list[tuple[int, str]]):
    """Yield the rows so that a parent or successor defined in the file comes before the rows naming it;
    rows that name each other in a circle are added to ``failures``."""
    pending = rows
    while pending:
        waiting_for = {row.fields["code"] for row in pending}
        ready = [row for row in pending if not row.refs & waiting_for]
        if not ready:
            failures.extend((row.line, "Đơn vị cha hoặc đơn vị kế thừa tham chiếu vòng tròn trong tệp.")
                            for row in pending)
            return
        yield from ready
        pending = [row for row in pending if row.refs & waiting_for]


def read_rows(file: Path) -> tuple[list[Row], list[tuple[int, str]]]:
    """Read FILE whole: the well-formed rows, and ``(line, message)`` for the malformed ones."""
    try:
        text = file.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        raise CommandError(f"{file.name} is not UTF-8 text (byte {error.start}): save it as CSV UTF-8") from error
    header_line = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = ";" if ";" in header_line and "," not in header_line else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    columns = header_of(file, next((values for values in reader if any(v.strip() for v in values)), []))
    rows, failures, previous = [], [], reader.line_num
    for values in reader:
        line, previous = previous + 1, reader.line_num
        if not any(value.strip() for value in values):
            continue
        try:
            rows.append(Row(line, row_fields(dict(zip(columns, values, strict=False)), len(values), len(columns))))
        except ValueError as error:
            failures.append((line, str(error)))
    return rows, failures


def header_of(file: Path, titles: list[str]) -> list[str]:
    """Return the column names of a header row, or fail naming what is missing or unknown."""
    keys = [unicodedata.normalize("NFC", title).strip().casefold() for title in titles]
    unknown = [title for title, key in zip(titles, keys, strict=True) if key not in HEADERS]
    columns = [HEADERS.get(key) for key in keys]
    missing = [name for name in ("code", "name", "level") if name not in columns]
    if unknown or missing or len(set(columns)) != len(columns):
        raise CommandError(f"{file.name}: header must name the columns {','.join(COLUMNS)} (or "
                           f"{','.join(VIETNAMESE_COLUMNS)}); code, name and level are required"
                           + (f"; unknown: {', '.join(unknown)}" if unknown else ""))
    return columns


def row_fields(values: dict[str, str], count: int, expected: int) -> dict:
    """Return the typed fields of one row; raise ``ValueError`` with a Vietnamese message."""
    if count > expected:
        raise ValueError(f"Dòng có {count} cột, tiêu đề chỉ có {expected}.")
    text = {name: clean_ref(values.get(name) or "") or None for name in COLUMNS}
    blank = [name for name in ("code", "name", "level") if not text[name]]
    if blank:
        raise ValueError(f"Thiếu {', '.join(blank)}.")
    level = LEVEL_OF.get(fold(text["level"]))
    if level is None:
        raise ValueError(f"Cấp không hợp lệ: {text['level']}; chọn trong {', '.join(LEVELS)}.")
    return {**text, "level": level, "valid_from": date_of(text["valid_from"]), "valid_to": date_of(text["valid_to"])}


def date_of(value: str | None) -> dt.date | None:
    if value is None:
        return None
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(value, pattern).date()
        except ValueError:
            continue
    raise ValueError(f"Ngày không hợp lệ: {value} (YYYY-MM-DD hoặc DD/MM/YYYY).")
