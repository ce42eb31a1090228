"""The daily near-due digest (bản tin hồ sơ sắp đến hạn): one short Vietnamese message per group and date.

Pure composition: the near-due list of ``tracker.queries.due`` in, the text of the message parts out. A
message names what is overdue, due today and due within the group's next working days, by unit, and
never an applicant's name, ID number or phone: only the dossier's code, procedure, due date and the
working days late or left are read from the list.

Rules (issue 4; [choice] where the issue leaves one):

- Title ``<title> – Thứ Hai, 23/11/2026``, then the counts (quá hạn, đến hạn hôm nay, trong N ngày làm
  việc tới, tạm dừng), then the dossiers by unit (agency name and code): units with most overdue first,
  then most dossiers, then by code; in a unit by due moment, so the most late come first.
- One line per dossier: ``- code · procedure (at most 80 characters, "…") · hạn dd/mm · trễ N ngày làm
  việc | hạn hôm nay | còn N ngày làm việc``, and a link line when a ``dossier_url`` template is given.
- At most ``MAX_CHARACTERS`` (2,000, counted in code points; the text is NFC and has no character outside
  the Basic Multilingual Plane, so Zalo's UTF-16 count is the same) per message. A longer digest is split
  at line boundaries into numbered parts, ``(1/3)`` after each part's title; beyond ``max_parts`` the last
  part ends with ``… và 37 hồ sơ khác``. A unit cut by a split is headed again with ``(tiếp)``. [choice]
- Nothing due and nothing overdue: one short message only when the group asks for it
  (``send_when_empty``), else no message at all.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from tracker.calendar import WEEKDAY_NAMES

MAX_CHARACTERS = 2000  # Zalo Bot sendMessage: text of 1–2,000 characters (domain.md, "Zalo")
MAX_PARTS = 9  # the part numbers "(k/n)" keep one digit
MAX_PROCEDURE_NAME = 80
DEFAULT_TITLE = "Hồ sơ cần đôn đốc"
EMPTY_LINE = "Không có hồ sơ quá hạn hoặc sắp đến hạn."
PART_SUFFIX = " (9/9)"  # the longest part number, reserved on every title line


@dataclass(frozen=True)
class DigestGroup:
    """A group that receives the digest (a Zalo group of unit heads, for example).

    ``agencies``: agency codes covered, each with its sub-units when ``include_subunits``; empty: every
    agency. ``levels``: ``province``/``district``/``commune``…; empty: every level. ``within``: working
    days ahead (0: due today only). ``channels``: names of the configured channels it goes to.
    ``max_parts``: 1 to ``MAX_PARTS`` messages per channel and date.
    """

    name: str
    channels: tuple[str, ...]
    title: str = DEFAULT_TITLE
    agencies: tuple[str, ...] = ()
    levels: tuple[str, ...] = ()
    include_subunits: bool = True
    within: int = 2
    send_when_empty: bool = False
    max_parts: int = 3


@dataclass(frozen=True)
class _Chunk:
    lines: tuple[str, ...]
    dossiers: int = 0  # 1 for a dossier's lines
    heading: bool = False  # a unit's name and code


def title_line(title: str, on: dt.date) -> str:
    """``"<title> – Thứ Hai, 23/11/2026"``."""
    return f"{title} – {WEEKDAY_NAMES[on.weekday()]}, {on:%d/%m/%Y}"


def days_phrase(working_days_left: int) -> str:
    """``trễ 3 ngày làm việc`` / ``hạn hôm nay`` / ``còn 2 ngày làm việc``."""
    if working_days_left < 0:
        return f"trễ {-working_days_left} ngày làm việc"
    if working_days_left == 0:
        return "hạn hôm nay"
    return f"còn {working_days_left} ngày làm việc"


def compose(group: DigestGroup, near_due: dict[str, Any], on: dt.date, *, dossier_url: str | None = None,
            limit: int = MAX_CHARACTERS) -> list[str]:
    """Return the texts of ``group``'s digest for ``on``: ``[]`` (nothing to say), one message, or up to
    ``group.max_parts`` numbered parts, each at most ``limit`` code points.

    ``near_due``: the shape of ``tracker.queries.due`` (``overdue`` and ``due`` lists of items with
    ``code``, ``procedure_name``, ``agency {code, name}``, ``due_at`` (ISO text or datetime),
    ``working_days_left``; ``paused`` a count). ``dossier_url``: a template with ``{code}``.
    """
    title = _clean(title_line(group.title, on))
    items = [*near_due["overdue"], *near_due["due"]]
    if not items:
        return [f"{title}\n{EMPTY_LINE}"] if group.send_when_empty else []
    overdue = len(near_due["overdue"])
    today = sum(1 for item in near_due["due"] if item["working_days_left"] == 0)
    ahead = [f"Đến hạn trong {group.within} ngày làm việc tới: {len(near_due['due']) - today}"] if group.within else []
    counts = (f"Quá hạn: {overdue}", f"Đến hạn hôm nay: {today}", *ahead,
              f"Tạm dừng (chờ bổ sung, nghĩa vụ tài chính…): {near_due['paused']}")
    chunks = [_Chunk(counts)]
    for unit in _units(items):
        chunks.append(_Chunk(("", _clean(f"{unit[0]['agency']['name']} ({unit[0]['agency']['code']})")),
                             heading=True))
        chunks.extend(_Chunk(_dossier_lines(item, dossier_url), dossiers=1) for item in unit)
    return _numbered(title, _packed(title, chunks, limit, group.max_parts))


def _units(items: Sequence[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    by_unit: dict[str, list[dict[str, Any]]] = {}
    for item in sorted(items, key=lambda item: (_moment(item["due_at"]), item["code"])):
        by_unit.setdefault(item["agency"]["code"], []).append(item)
    return sorted(by_unit.values(), key=lambda unit: (-sum(1 for i in unit if i["working_days_left"] < 0),
                                                      -len(unit), unit[0]["agency"]["code"]))


def _dossier_lines(item: dict[str, Any], dossier_url: str | None) -> tuple[str, ...]:
    name = _clean(item["procedure_name"])
    if len(name) > MAX_PROCEDURE_NAME:
        name = name[:MAX_PROCEDURE_NAME - 1].rstrip() + "…"
    line = (f"- {item['code']} · {name} · hạn {_moment(item['due_at']):%d/%m} · "
            f"{days_phrase(item['working_days_left'])}")
    if dossier_url:
        return _clean(line), _clean("  " + dossier_url.format(code=item["code"]))
    return (_clean(line),)


def _packed(title: str, chunks: list[_Chunk], limit: int, max_parts: int) -> list[list[_Chunk]]:
    """Fill parts greedily; beyond ``max_parts`` cut the last part so that the tail line fits."""
    reserve = len(title) + len(PART_SUFFIX)
    parts: list[list[_Chunk]] = [[]]
    size, heading = reserve, None
    for chunk in chunks:
        if chunk.heading:
            heading = chunk
        cost = _cost(chunk)
        if size + cost > limit and parts[-1]:
            carried = [_Chunk((heading.lines[1] + " (tiếp)",), heading=True)] if chunk.dossiers else []
            parts.append(carried)
            size = reserve + sum(_cost(c) for c in carried)
        parts[-1].append(chunk)
        size += cost
    if len(parts) <= max_parts:
        return parts
    kept, rest = parts[:max_parts], parts[max_parts:]
    left = sum(c.dossiers for part in rest for c in part)
    last = kept[-1]
    while last[-1].heading or reserve + sum(_cost(c) for c in last) + len(_tail(left)) + 2 > limit:
        left += last.pop().dossiers
    last.append(_Chunk(("", _tail(left))))
    return kept


def _numbered(title: str, parts: list[list[_Chunk]]) -> list[str]:
    total = len(parts)
    texts = []
    for number, part in enumerate(parts, start=1):
        head = f"{title} ({number}/{total})" if total > 1 else title
        lines = [line for chunk in part for line in chunk.lines]
        if lines and lines[0] == "":
            lines = lines[1:]
        texts.append("\n".join([head, *lines]))
    return texts


def _tail(count: int) -> str:
    return f"… và {count} hồ sơ khác"


def _cost(chunk: _Chunk) -> int:
    return sum(len(line) + 1 for line in chunk.lines)  # each line and its newline


def _moment(value: str | dt.datetime) -> dt.datetime:
    return value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(value)


def _clean(text: str) -> str:
    """NFC, and any character outside the Basic Multilingual Plane (emoji) replaced by "?"."""
    return "".join(c if ord(c) <= 0xFFFF else "?" for c in unicodedata.normalize("NFC", text))
