"""Import of the national TTHC database's exports ("DANH SÁCH THỦ TỤC HÀNH CHÍNH") as one decision.

The national portal (Cổng Dịch vụ công quốc gia) exports a ministry's procedures as an xlsx sheet: a banner
row, then the header ``Mã số | Tên | Cơ quan ban hành | Cơ quan thực hiện | Lĩnh vực`` and one procedure per
row. A CSV with the same columns (UTF-8, with or without BOM, a banner line allowed before the header) is
read the same way. Parsing is pure: :func:`read_export` turns a file into :class:`ImportRow` values, and
:func:`entries_for` turns rows into the entries of ``Catalog.record_decision`` (all ``new``: a baseline),
inferring the authority from Cơ quan ban hành and the levels from Cơ quan thực hiện. Any bad row makes the
whole file refused, with every bad row listed by its line number.

What the real exports (``shared/data/tthc-dvcqg``, 2,642 procedures of 6 ministries and the courts) taught:
all Cơ quan ban hành values are central bodies; 824 rows do not tell their level (475 have no Cơ quan thực
hiện, the rest name bodies such as "Chi cục Hải quan khu vực"), so a ministry's file needs ``--level``;
about 55 rows are not NFC; names and agencies carry stray line breaks, tabs and double spaces; "cấp huyện"
still appears in 7 procedures although the district level ended on 1/7/2025 (recorded as the file says);
one Bộ Công an row names Bộ Xây dựng as its issuer. No code repeats within or across the files.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openpyxl

from catalog.domain import AUTHORITIES, LEVELS, CatalogError

HEADER_SEARCH_ROWS = 10  # the header is looked for among the first rows (after banners)
COLUMNS = {  # column → accepted header texts (compared with match_key)
    "code": ("Mã số", "Mã thủ tục", "Mã TTHC"),
    "name": ("Tên", "Tên thủ tục", "Tên TTHC", "Tên thủ tục hành chính"),
    "issuer": ("Cơ quan ban hành",),
    "agency": ("Cơ quan thực hiện",),
    "field": ("Lĩnh vực",),
}
CSV_DELIMITERS = (",", ";", "\t")

Progress = Callable[[Iterable[Any], "int | None"], Iterable[Any]]


class ImportFileError(CatalogError):
    """Raised when an import file cannot be used: unreadable, no header, no rows, or bad rows.

    ``bad_rows`` lists every bad row (``errors["rows"]``: ``[{"line": N, "message": "…"}]``, by line);
    it is empty when the file as a whole is at fault. Nothing of such a file is recorded.
    """

    reason = "invalid_import_file"

    def __init__(self, message: str, bad_rows: Sequence[BadRow] = ()) -> None:
        self.bad_rows = sorted(bad_rows, key=lambda row: row.line)
        super().__init__(message, {"rows": [{"line": r.line, "message": r.message} for r in self.bad_rows]}
                         if self.bad_rows else None)


@dataclass(frozen=True)
class BadRow:
    """A row of an import file that cannot be recorded: its line number and what is wrong with it."""

    line: int
    message: str


@dataclass(frozen=True)
class ImportRow:
    """One procedure row of an export, its text cleaned (NFC, lines stripped, blank or repeated lines dropped).

    ``line`` is the spreadsheet row number, or the CSV line the record starts on; ``problems`` are what
    could not be read from the cells themselves (e.g. a code stored as a number).
    """

    line: int
    code: str
    name: str
    issuer: str
    agency: str
    field: str
    problems: tuple[str, ...] = ()


# -- reading ---------------------------------------------------------------------------------------------

def read_export(path: str | Path, progress: Progress | None = None) -> list[ImportRow]:
    """Read an xlsx (first sheet) or CSV export and return its procedure rows, blank rows left out.

    The file type is told by its content (an xlsx is a zip), not its name. ``progress``, if given, wraps
    the iterable of raw rows (``progress(rows, total_or_None)``), e.g. with a tqdm bar.

    Raises :class:`ImportFileError` (no ``bad_rows``) when the file cannot be read, is not UTF-8, is an
    old binary .xls, or has no header row naming the five columns within its first rows.
    """
    path = Path(path)
    try:
        with path.open("rb") as file:
            magic = file.read(8)
    except OSError as error:
        raise ImportFileError(f"Không đọc được tệp {path.name}: {error.strerror or error}.") from error
    if magic.startswith(b"\xd0\xcf\x11\xe0"):
        raise ImportFileError(f"Tệp {path.name} là bảng tính .xls cũ: hãy lưu lại thành .xlsx hoặc CSV UTF-8.")
    source = _xlsx_rows if magic.startswith(b"PK\x03\x04") else _csv_rows
    with source(path) as (records, total):
        return _rows_of(path.name, records, total, progress)


@contextmanager
def _xlsx_rows(path: Path) -> Iterator[tuple[Iterator[tuple[int, Sequence[Any]]], int | None]]:
    """Yield ``(numbered rows, row count)`` of the workbook's first sheet, open while in the block."""
    with path.open("rb") as file:  # a file object: openpyxl would refuse a name not ending in .xlsx
        try:
            workbook = openpyxl.load_workbook(file, read_only=True, data_only=True)
        except Exception as error:  # zipfile.BadZipFile, KeyError, InvalidFileException, XML errors…
            raise ImportFileError(f"Không đọc được bảng tính {path.name}: {error}.") from error
        try:
            sheet = workbook.worksheets[0]
            total = sheet.max_row
            sheet.reset_dimensions()  # some writers store a wrong dimension; read every row there is
            yield enumerate(sheet.iter_rows(values_only=True), start=1), total
        finally:
            workbook.close()


@contextmanager
def _csv_rows(path: Path) -> Iterator[tuple[Iterator[tuple[int, Sequence[Any]]], int | None]]:
    """Yield ``(numbered records, None)``; the delimiter is the one under which the header is found."""
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise ImportFileError(
            f"Tệp {path.name} không phải văn bản UTF-8 (dòng {line}): hãy lưu lại với mã UTF-8.") from error
    delimiter = next((d for d in CSV_DELIMITERS if _find_header(_csv_records(text, d)) is not None), ",")
    yield _csv_records(text, delimiter), None


def _csv_records(text: str, delimiter: str) -> Iterator[tuple[int, Sequence[Any]]]:
    """Yield ``(line the record starts on, cells)``; a quoted cell may span several lines."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    start = 1
    try:
        for record in reader:
            yield start, record
            start = reader.line_num + 1
    except csv.Error as error:
        raise ImportFileError(f"Không đọc được tệp CSV ở dòng {start}: {error}.") from error


def _find_header(records: Iterable[tuple[int, Sequence[Any]]]) -> tuple[int, dict[str, int]] | None:
    """Return ``(line, {column: index})`` of the header among the first records, or None."""
    wanted = {name: {match_key(text) for text in texts} for name, texts in COLUMNS.items()}
    for count, (line, cells) in enumerate(records):
        if count >= HEADER_SEARCH_ROWS:
            return None
        keys = [match_key(str(cell)) if cell is not None else "" for cell in cells]
        positions = {name: next((i for i, key in enumerate(keys) if key in texts), None)
                     for name, texts in wanted.items()}
        if all(index is not None for index in positions.values()):
            return line, positions  # type: ignore[return-value]
    return None


def _rows_of(source: str, records: Iterator[tuple[int, Sequence[Any]]], total: int | None,
             progress: Progress | None) -> list[ImportRow]:
    header = _find_header(records)  # consumes the records up to the header
    if header is None:
        expected = " | ".join(texts[0] for texts in COLUMNS.values())
        raise ImportFileError(
            f"Tệp {source} không có dòng tiêu đề “{expected}” trong {HEADER_SEARCH_ROWS} dòng đầu.")
    _, columns = header
    rows: list[ImportRow] = []
    for line, cells in progress(records, total) if progress else records:
        if all(clean(cell) == "" for cell in cells):
            continue
        values = {name: cells[index] if index < len(cells) else None for name, index in columns.items()}
        code, problems = read_code(values["code"])
        rows.append(ImportRow(line=line, code=code, name=clean(values["name"]), issuer=clean(values["issuer"]),
                              agency=clean(values["agency"]), field=clean(values["field"]), problems=problems))
    return rows


def clean(value: Any) -> str:
    """Return a cell as NFC text: each line stripped, blank and repeated lines dropped; None → ``""``."""
    if value is None:
        return ""
    lines: list[str] = []
    for line in unicodedata.normalize("NFC", str(value)).splitlines():
        line = line.strip()
        if line and line not in lines:
            lines.append(line)
    return "\n".join(lines)


def read_code(value: Any) -> tuple[str, tuple[str, ...]]:
    """Return a Mã số cell as an opaque string and the problems with it.

    A number is refused: a spreadsheet stores ``1.000170`` as ``1.00017`` and the code cannot be recovered.
    """
    code = clean(value)
    if isinstance(value, float):
        return code, (f"Mã số {code} được lưu dưới dạng số, có thể đã mất chữ số 0: định dạng cột Mã số là văn bản",)
    if re.search(r"\s", code):
        return code, (f"Mã số “{code}” chứa khoảng trắng",)
    return code, ()


# -- inference -------------------------------------------------------------------------------------------

TONES = "\u0300\u0301\u0303\u0309\u0323"  # huyền, sắc, ngã, hỏi, nặng (combining, as in NFD)


def match_key(text: str) -> str:
    """Return ``text`` for matching: NFC, case-folded, spaces collapsed, tone marks placed one way.

    "Tòa"/"Toà" and "Thủy"/"Thuỷ" (old and new tone placement) give the same key; diacritics that change
    the word ("tỉnh" vs "tính") are kept.
    """
    decomposed = unicodedata.normalize("NFD", text.casefold())
    decomposed = re.sub(f"o([{TONES}])([ae])", r"o\2\1", decomposed)
    decomposed = re.sub(f"u([{TONES}])y", r"uy\1", decomposed)
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", decomposed)).strip()


def _patterns(*patterns: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{match_key(p)})" for p in patterns))


CENTRAL_ISSUER = _patterns(
    r"^bộ\b(?! phận)", r"^ngân hàng nhà nước", r"^tòa án nhân dân", r"^viện kiểm sát nhân dân",
    r"^(thủ tướng )?chính phủ", r"^thanh tra chính phủ", r"^văn phòng (chính phủ|quốc hội|chủ tịch nước)",
    r"^bảo hiểm xã hội việt nam", r"^kiểm toán nhà nước", r"^ủy ban (dân tộc|quản lý vốn nhà nước)",
)
LOCAL_ISSUER = _patterns(r"^(chủ tịch )?(ubnd|ủy ban nhân dân|hđnd|hội đồng nhân dân)\b")

LEVEL_PATTERNS = {
    "central": _patterns(
        r"\bcấp bộ\b", r"(^|[-/,] ?)bộ\b(?! phận)", r"\b(của|các) bộ\b(?! phận)", r"\bbộ trưởng\b",
        r"^(cục|vụ)\b", r"\b(cấp|ở) trung ương\b", r"\bchính phủ\b", r"\bngân hàng nhà nước việt nam\b",
        r"^thanh tra ngân hàng nhà nước\b", r"\btòa án nhân dân (cấp cao|tối cao)\b",
        r"\bcơ quan đại diện việt nam\b", r"\bquốc hội\b", r"\bkiểm toán nhà nước\b",
        r"\bbảo hiểm xã hội việt nam\b",
    ),
    "province": _patterns(
        r"\bcấp tỉnh\b", r"(?<!thuộc )\btỉnh\b", r"^(giám đốc |văn phòng )?sở\b",  # "thành phố thuộc tỉnh": a district
    ),
    "district": _patterns(r"\bcấp huyện\b", r"\bhuyện\b"),
    "commune": _patterns(r"\bcấp xã\b", r"\b(ubnd|ủy ban nhân dân|công an) (xã|phường|đặc khu)\b"),
}
NAME_LEVEL = re.compile(match_key(r"thực hiện (tại|ở) cấp (trung ương|bộ|tỉnh|huyện|xã)"))
NAME_LEVELS = {match_key(word): level for word, level in (
    ("trung ương", "central"), ("bộ", "central"), ("tỉnh", "province"), ("huyện", "district"), ("xã", "commune"))}


def infer_authority(issuer: str) -> str | None:
    """Return ``central`` for a ministry or central body as Cơ quan ban hành, ``local`` for a province's
    People's Committee or Council (UBND / HĐND), None when the text does not tell."""
    key = match_key(issuer)
    if CENTRAL_ISSUER.search(key):
        return "central"
    if LOCAL_ISSUER.search(key):
        return "local"
    return None


def infer_levels(agency: str, name: str = "") -> list[str]:
    """Return the levels (in ``LEVELS`` order) that Cơ quan thực hiện names, else those the procedure's name
    names ("… (thực hiện tại cấp tỉnh)"); ``[]`` when neither tells.

    Cơ quan thực hiện is a list of bodies separated by ``;`` or line breaks; each may name several levels
    ("Cơ quan cấp bộ, Ủy ban nhân dân cấp tỉnh"). Bodies that do not say their level (``Thuế cơ sở``,
    ``Chi cục Hải quan khu vực``, ``Cảng vụ hàng hải``…) add none.
    """
    found: set[str] = set()
    for part in re.split(r"[;\n]", agency):
        key = match_key(part)
        found.update(level for level, pattern in LEVEL_PATTERNS.items() if key and pattern.search(key))
    if not found:
        found.update(NAME_LEVELS[m.group(2)] for m in NAME_LEVEL.finditer(match_key(name)))
    return [level for level in LEVELS if level in found]


def entries_for(rows: Sequence[ImportRow], authority: str | None = None, levels: Sequence[str] = (),
                field: str | None = None) -> list[dict[str, Any]]:
    """Return the ``new`` entries of ``Catalog.record_decision`` for ``rows``, in row order.

    Each entry is ``{action: "new", code, name, field, levels, authority, kind: "external", online: "none",
    agency}`` (``agency`` is Cơ quan thực hiện, None when blank). What the file tells wins; ``authority``,
    ``levels`` and ``field`` fill in for rows whose file does not tell.

    Raises :class:`ImportFileError` listing every bad row: a missing code, name or field, a code seen on
    an earlier row, an authority or levels neither the row nor the arguments give; or when there is no row.
    Raises ``ValueError`` for an ``authority`` or level outside the contract's values.
    """
    if authority is not None and authority not in AUTHORITIES:
        raise ValueError(f"unknown authority {authority!r}")
    if unknown := set(levels) - set(LEVELS):
        raise ValueError(f"unknown levels {sorted(unknown)}")
    if not rows:
        raise ImportFileError("Tệp không có thủ tục nào.")
    seen: dict[str, int] = {}
    entries: list[dict[str, Any]] = []
    bad: list[BadRow] = []
    for row in rows:
        problems = list(row.problems)
        if not row.code:
            problems.append("thiếu Mã số")
        elif row.code in seen:
            problems.append(f"Mã số {row.code} trùng với dòng {seen[row.code]}")
        else:
            seen[row.code] = row.line
        if not row.name:
            problems.append("thiếu Tên")
        row_field = row.field or field
        if not row_field:
            problems.append("thiếu Lĩnh vực")
        row_authority = infer_authority(row.issuer) or authority
        if row_authority is None:
            problems.append(f"không xác định được thẩm quyền ban hành từ Cơ quan ban hành {quoted(row.issuer)}")
        row_levels = infer_levels(row.agency, row.name) or [level for level in LEVELS if level in levels]
        if not row_levels:
            problems.append(f"không xác định được cấp thực hiện từ Cơ quan thực hiện {quoted(row.agency)}")
        if problems:
            bad.append(BadRow(row.line, "; ".join(problems)))
            continue
        entries.append({"action": "new", "code": row.code, "name": row.name, "field": row_field,
                        "levels": row_levels, "authority": row_authority, "kind": "external", "online": "none",
                        "agency": row.agency or None})
    if bad:
        raise ImportFileError(f"Tệp có {len(bad)} dòng lỗi; không thủ tục nào được ghi nhận.", bad)
    return entries


def quoted(text: str) -> str:
    """Return ``text`` in quotation marks on one line, or ``(trống)`` when blank."""
    return f"“{' / '.join(text.splitlines())}”" if text else "(trống)"
