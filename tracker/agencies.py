"""The agency registry (đơn vị tiếp nhận, giải quyết): the units that receive and resolve dossiers.

A plain table, not event-sourced: dossiers keep the code of the agency they named, so the registry only
has to say which agency a code or a name meant on a given day. Units are merged and renamed (the 2025
reform merged most communes and abolished cấp huyện), so an agency is never deleted: it is closed, with
the last day it was valid and, usually, its successor (đơn vị kế thừa). Rules:

- A code is unique forever: the code of a closed agency is never given to another one.
- An exact name (NFC, trimmed) is unique among current agencies (``valid_to`` null). A closed agency's
  name may be given to a new one that starts after the closed one's last day: the periods of agencies
  sharing a name never overlap, so a name and a day always tell one agency. [choice]
- An agency is valid on ``day`` when ``valid_from`` (null: since ever) <= ``day`` <= ``valid_to`` (null:
  still valid). ``valid_to`` is never before ``valid_from``.
- ``parent`` and ``successor`` are codes of known agencies; a successor must be valid on the day after
  the closure, and only a closed agency has one.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Collection
from dataclasses import dataclass, field, replace

from sqlalchemy import (
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    String,
    Table,
    Text,
    and_,
    case,
    func,
    insert,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from events.search import fold, terms
from events.tables import metadata

LEVELS = ("central", "province", "district", "commune")  # cấp trung ương, tỉnh, huyện (until 30/6/2025), xã
STATUSES = ("current", "ended", "all")
MAX_CODE, MAX_NAME, MAX_ACTOR = 64, 500, 200
CODE_PATTERN = re.compile(rf"\S{{1,{MAX_CODE}}}")

agency = Table(
    "agency",
    metadata,
    Column("code", String(MAX_CODE), primary_key=True),
    Column("name", String(MAX_NAME), nullable=False),
    Column("name_folded", Text, nullable=False),  # events.search.fold(name), for accent-insensitive q
    Column("level", String(16), nullable=False),
    Column("parent", String(MAX_CODE), ForeignKey("agency.code")),
    Column("valid_from", Date),
    Column("valid_to", Date),
    Column("successor", String(MAX_CODE), ForeignKey("agency.code")),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    Column("actor", String(MAX_ACTOR), nullable=False),
    Column("closed_at", DateTime(timezone=True)),  # when and by whom ``close`` was recorded
    Column("closed_by", String(MAX_ACTOR)),
    CheckConstraint("level IN ('central', 'province', 'district', 'commune')", name="level"),
    CheckConstraint("valid_from IS NULL OR valid_to IS NULL OR valid_from <= valid_to", name="period"),
    Index("ix_agency_name", "name"),
    Index("ix_agency_parent", "parent"),
    Index("uq_agency_current_name", "name", unique=True,
          sqlite_where=text("valid_to IS NULL"), postgresql_where=text("valid_to IS NULL")),
)


class AgencyError(Exception):
    """Base of the agency registry's refusals: ``reason`` for programs, Vietnamese ``message`` for people,
    ``errors`` keyed by field (``{"parent": ["…"]}``)."""

    reason = "agency_error"

    def __init__(self, message: str, errors: dict[str, list[str]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.errors = errors or {}


class InvalidAgencyError(AgencyError):
    """Raised when an agency's fields are malformed: a blank code or name, an unknown level, a period that
    ends before it starts, a successor on an open agency."""

    reason = "invalid_agency"


class UnknownAgencyError(AgencyError):
    """Raised when a code or name names no agency, or none valid on the day asked."""

    reason = "unknown_agency"


class DuplicateAgencyError(AgencyError):
    """Raised when a code is already used, or a name already belongs to an agency valid at the same time."""

    reason = "duplicate_agency"


class AgencyNotFoundError(AgencyError):
    """Raised when no agency has the code asked for."""

    reason = "agency_not_found"


class AgencyAlreadyClosedError(AgencyError):
    """Raised when closing an agency that is already closed."""

    reason = "agency_already_closed"


@dataclass(frozen=True)
class Agency:
    """One agency. Dates are ``datetime.date`` (None: open); ``recorded_at``/``closed_at`` are aware (UTC)."""

    code: str
    name: str
    level: str
    parent: str | None = None
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    successor: str | None = None
    recorded_at: dt.datetime | None = None
    actor: str | None = None
    closed_at: dt.datetime | None = None
    closed_by: str | None = None

    def valid_on(self, day: dt.date) -> bool:
        """Return whether the agency is valid on ``day`` (both ends inclusive)."""
        return (self.valid_from is None or self.valid_from <= day) and (self.valid_to is None or day <= self.valid_to)

    @property
    def status(self) -> str:
        """``current`` while not closed, ``ended`` once closed (even when its last day is still ahead)."""
        return "current" if self.valid_to is None else "ended"

    def period(self) -> str:
        """The validity period in words: ``từ 01/07/2025``, ``đến hết 30/06/2025``, ``không giới hạn``."""
        start = f"từ {self.valid_from:%d/%m/%Y}" if self.valid_from else ""
        end = f"đến hết {self.valid_to:%d/%m/%Y}" if self.valid_to else ""
        return " ".join(part for part in (start, end) if part) or "không giới hạn"


@dataclass(frozen=True)
class AgencyPage:
    """One page of a listing: ``items`` ordered by code, ``total`` matching agencies."""

    items: list[Agency] = field(default_factory=list)
    total: int = 0
    page: int = 1
    per_page: int = 50


def clean_ref(ref: str) -> str:
    """Return a code or name as stored and compared: NFC, without surrounding white space."""
    return unicodedata.normalize("NFC", ref.strip())


class AgencyRegistry:
    """The ``agency`` table on ``engine``: add, close, get, list, and resolve a code or name on a day."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def add(self, code: str, name: str, level: str, *, parent: str | None = None,
            valid_from: dt.date | None = None, valid_to: dt.date | None = None, successor: str | None = None,
            actor: str, recorded_at: dt.datetime | None = None) -> Agency:
        """Register an agency and return it as stored (code and name trimmed, name NFC).

        Raises ``InvalidAgencyError`` (malformed fields), ``DuplicateAgencyError`` (code used, or name of an
        agency valid at the same time), ``UnknownAgencyError`` (unknown ``parent`` or ``successor``, or a
        successor not valid the day after ``valid_to``).
        """
        candidate = checked(Agency(
            code=trimmed(code), name=clean_ref(name) if isinstance(name, str) else name, level=level,
            parent=optional_ref(parent), valid_from=valid_from, valid_to=valid_to,
            successor=optional_ref(successor), recorded_at=stamp(recorded_at), actor=trimmed(actor)))
        try:
            return self._write(candidate)
        except IntegrityError:  # a concurrent add of the same code or name won: read it, then decide again
            return self._write(candidate)

    def close(self, code: str, valid_to: dt.date, successor: str | None = None, *, actor: str,
              recorded_at: dt.datetime | None = None) -> Agency:
        """Record that agency ``code`` is valid until ``valid_to`` inclusive, replaced by ``successor``.

        Raises ``AgencyNotFoundError``, ``AgencyAlreadyClosedError``, ``InvalidAgencyError`` (``valid_to``
        before ``valid_from``, a successor equal to ``code``), ``UnknownAgencyError`` (successor unknown or
        not valid on the day after ``valid_to``).
        """
        successor = optional_ref(successor)
        if not actor or not actor.strip():
            raise InvalidAgencyError("Cần ghi người ghi nhận (actor).", {"actor": ["Cần ghi người ghi nhận."]})
        if valid_to is None:
            raise InvalidAgencyError("Cần ngày cuối cùng đơn vị còn hiệu lực (valid_to).",
                                     {"valid_to": ["Cần ngày cuối cùng đơn vị còn hiệu lực."]})
        with self.engine.begin() as conn:
            row = conn.execute(select(agency).where(agency.c.code == code.strip()).with_for_update()).first()
            if row is None:
                raise AgencyNotFoundError(f"Không tìm thấy đơn vị có mã {code.strip()}.")
            if row.valid_to is not None:
                raise AgencyAlreadyClosedError(
                    f"Đơn vị {row.code} đã được ghi nhận ngừng hoạt động sau ngày {row.valid_to:%d/%m/%Y}.")
            closed = checked(replace(_agency(row), valid_to=valid_to, successor=successor), closing=True)
            check_successor(conn, closed)
            done = conn.execute(update(agency).where(agency.c.code == closed.code, agency.c.valid_to.is_(None))
                                .values(valid_to=valid_to, successor=successor, closed_at=stamp(recorded_at),
                                        closed_by=actor.strip()))
            if done.rowcount != 1:  # closed by a concurrent writer between our read and our update
                raise AgencyAlreadyClosedError(f"Đơn vị {closed.code} vừa được ghi nhận ngừng hoạt động.")
            return _agency(conn.execute(select(agency).where(agency.c.code == closed.code)).one())

    def get(self, code: str) -> Agency:
        """Return the agency with ``code`` (open or closed). Raises ``AgencyNotFoundError``."""
        with self.engine.connect() as conn:
            row = conn.execute(select(agency).where(agency.c.code == code.strip())).first()
        if row is None:
            raise AgencyNotFoundError(f"Không tìm thấy đơn vị có mã {code.strip()}.")
        return _agency(row)

    def exists(self, code: str) -> bool:
        """Return whether an agency (open or closed) has ``code``."""
        with self.engine.connect() as conn:
            return conn.scalar(select(agency.c.code).where(agency.c.code == code.strip())) is not None

    def list(self, *, level: str | None = None, parent: str | None = None, q: str | None = None,
             status: str | None = None, as_of: dt.date | None = None, page: int = 1,
             per_page: int = 50) -> AgencyPage:
        """Return one page of agencies ordered by code.

        ``status``: ``current`` (not closed), ``ended`` (closed) or ``all``; default ``current``, or ``all``
        when ``as_of`` is given. ``as_of`` keeps the agencies valid on that day; ``q`` matches name (without
        accents, phrases separated by commas must all occur) or code; ``level`` and ``parent`` match exactly.
        """
        status = status or ("all" if as_of else "current")
        if status not in STATUSES or (level is not None and level not in LEVELS):
            raise InvalidAgencyError(f"Bộ lọc không hợp lệ: status={status}, level={level}.")
        c = agency.c
        conditions = {"current": [c.valid_to.is_(None)], "ended": [c.valid_to.is_not(None)], "all": []}[status]
        conditions += [c.level == level] if level else []
        conditions += [c.parent == parent.strip()] if parent else []
        conditions += [valid_on(as_of)] if as_of else []
        conditions += [or_(c.name_folded.contains(word, autoescape=True),
                           func.lower(c.code).contains(word, autoescape=True)) for word in terms(q or "")]
        with self.engine.connect() as conn:
            total = conn.scalar(select(func.count()).select_from(agency).where(*conditions))
            rows = conn.execute(select(agency).where(*conditions).order_by(c.code)
                                .limit(per_page).offset((page - 1) * per_page))
            return AgencyPage([_agency(row) for row in rows], total, page, per_page)

    def resolve(self, ref: str, on: dt.date, *, field: str = "agency") -> Agency:
        """Return the agency that ``ref`` (a code, or an exact name) names on day ``on``.

        A code wins over a name. Raises ``UnknownAgencyError`` (``errors[field]``) when none is valid on
        ``on``; the message names the ref and the day, and the successor when the agency had closed.
        One query on the primary key and the name index.
        """
        if isinstance(on, dt.datetime) or not isinstance(on, dt.date):
            raise TypeError(f"resolve needs the local date of the receipt or step, got {on!r}")
        key = clean_ref(ref)
        c = agency.c
        query = (select(agency).where(or_(c.code == key, c.name == key), valid_on(on))
                 .order_by(case((c.code == key, 0), else_=1)).limit(1))
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
            if row is None:
                message = self._unknown_message(conn, key, on)
                raise UnknownAgencyError(message, {field: [message]})
        return _agency(row)

    def with_subunits(self, codes: Collection[str]) -> set[str]:
        """Return ``codes`` and the codes of every agency under them (``parent`` links, closed ones too, so
        dossiers received by a merged unit stay covered). One query per level of depth."""
        found, frontier = set(codes), set(codes)
        with self.engine.connect() as conn:
            while frontier:
                children = set(conn.scalars(select(agency.c.code).where(agency.c.parent.in_(sorted(frontier)))))
                frontier = children - found
                found |= frontier
        return found

    def memoized(self) -> MemoizedAgencyRegistry:
        """Return a view of this registry that remembers what it read, for one bulk import."""
        return MemoizedAgencyRegistry(self.engine)

    def _write(self, candidate: Agency) -> Agency:
        with self.engine.begin() as conn:
            existing = conn.execute(select(agency).where(agency.c.code == candidate.code)).first()
            if existing is not None:
                raise DuplicateAgencyError(
                    f"Mã đơn vị {candidate.code} đã được dùng cho “{existing.name}”; mã đơn vị không bao giờ "
                    "được dùng lại.", {"code": ["Mã đơn vị đã được dùng."]})
            check_references(conn, candidate)
            check_name_free(conn, candidate)
            conn.execute(insert(agency).values(name_folded=fold(candidate.name), **candidate.__dict__))
        return candidate

    @staticmethod
    def _unknown_message(conn: Connection, key: str, on: dt.date) -> str:
        message = f"Không có đơn vị “{key}” có hiệu lực vào ngày {on:%d/%m/%Y}"
        c = agency.c
        known = conn.execute(select(agency).where(or_(c.code == key, c.name == key))
                             .order_by(case((c.code == key, 0), else_=1), c.valid_from.desc().nulls_last())
                             .limit(1)).first()
        if known is None:
            return message + "."
        other = _agency(known)
        message += f" (đơn vị {other.code} “{other.name}” có hiệu lực {other.period()}"
        return message + (f"; đơn vị kế thừa: {other.successor})." if other.successor else ").")


class MemoizedAgencyRegistry(AgencyRegistry):
    """An ``AgencyRegistry`` whose ``resolve`` reads each ref's candidates (the agency with that code, those
    with that exact name) once and answers every date from them; a refusal still asks the database, for
    its message once per (ref, day). The cache holds at most ``MAX_ENTRIES`` refs and starts again empty when
    full. Its own ``add`` and ``close`` forget everything; writes by others are not seen.
    """

    MAX_ENTRIES = 100_000

    def __init__(self, engine: Engine) -> None:
        super().__init__(engine)
        self._answers: dict[str, list[Agency]] = {}
        self._refusals: dict[tuple[str, dt.date], UnknownAgencyError] = {}

    def resolve(self, ref: str, on: dt.date, *, field: str = "agency") -> Agency:
        if isinstance(on, dt.datetime) or not isinstance(on, dt.date):
            raise TypeError(f"resolve needs the local date of the receipt or step, got {on!r}")
        key = clean_ref(ref)
        candidates = self._answers.get(key)
        if candidates is None:
            c = agency.c
            with self.engine.connect() as conn:
                rows = conn.execute(select(agency).where(or_(c.code == key, c.name == key))
                                    .order_by(case((c.code == key, 0), else_=1), c.code))
                candidates = [_agency(row) for row in rows]
            if len(self._answers) >= self.MAX_ENTRIES:
                self._answers.clear()
            self._answers[key] = candidates
        for candidate in candidates:
            if candidate.valid_on(on):
                return candidate
        refusal = self._refusals.get((key, on))
        if refusal is None:
            try:
                return super().resolve(ref, on, field=field)  # raises UnknownAgencyError with the full message
            except UnknownAgencyError as error:
                refusal = self._refusals[(key, on)] = error
        raise UnknownAgencyError(refusal.message, {field: [refusal.message]})

    def add(self, *args, **kwargs) -> Agency:
        self._answers.clear()
        self._refusals.clear()
        return super().add(*args, **kwargs)

    def close(self, *args, **kwargs) -> Agency:
        self._answers.clear()
        self._refusals.clear()
        return super().close(*args, **kwargs)


def valid_on(day: dt.date):
    """SQL condition: the agency is valid on ``day``."""
    c = agency.c
    return and_(or_(c.valid_from.is_(None), c.valid_from <= day), or_(c.valid_to.is_(None), c.valid_to >= day))


def checked(candidate: Agency, closing: bool = False) -> Agency:
    """Return ``candidate`` when its fields are well formed, else raise ``InvalidAgencyError`` listing them."""
    errors: dict[str, list[str]] = {}
    a = candidate
    if not closing:
        if not isinstance(a.code, str) or not CODE_PATTERN.fullmatch(a.code):
            errors["code"] = [f"Mã đơn vị gồm 1 đến {MAX_CODE} ký tự, không có khoảng trắng."]
        if not isinstance(a.name, str) or not 1 <= len(a.name) <= MAX_NAME:
            errors["name"] = [f"Tên đơn vị gồm 1 đến {MAX_NAME} ký tự."]
        if a.level not in LEVELS:
            errors["level"] = [f"Cấp không hợp lệ: {a.level}; chọn trong {', '.join(LEVELS)}."]
        if a.parent is not None and a.parent == a.code:
            errors["parent"] = ["Đơn vị không thể là đơn vị cha của chính nó."]
        if not a.actor or len(a.actor) > MAX_ACTOR:
            errors["actor"] = ["Cần ghi người ghi nhận."]
    for name in ("valid_from", "valid_to"):
        value = getattr(a, name)
        if value is not None and (isinstance(value, dt.datetime) or not isinstance(value, dt.date)):
            errors[name] = ["Cần một ngày (YYYY-MM-DD), không kèm giờ."]
    dates_ok = "valid_from" not in errors and "valid_to" not in errors
    if dates_ok and a.valid_from and a.valid_to and a.valid_to < a.valid_from:
        message = f"Ngày hết hiệu lực {a.valid_to:%d/%m/%Y} trước ngày bắt đầu hiệu lực {a.valid_from:%d/%m/%Y}."
        errors["valid_to"] = [message]
    if a.successor is not None and a.successor == a.code:
        errors["successor"] = ["Đơn vị không thể là đơn vị kế thừa của chính nó."]
    elif a.successor is not None and a.valid_to is None:
        errors["successor"] = ["Chỉ đơn vị đã ngừng hoạt động (có valid_to) mới có đơn vị kế thừa."]
    if errors:
        raise InvalidAgencyError(" ".join(message for messages in errors.values() for message in messages), errors)
    return candidate


def check_references(conn: Connection, candidate: Agency) -> None:
    """Raise ``UnknownAgencyError`` when the parent or the successor is not a known agency."""
    if candidate.parent is not None:
        found = conn.execute(select(agency.c.code).where(agency.c.code == candidate.parent)).first()
        if found is None:
            message = f"Không có đơn vị cha mã {candidate.parent}."
            raise UnknownAgencyError(message, {"parent": [message]})
    check_successor(conn, candidate)


def check_successor(conn: Connection, candidate: Agency) -> None:
    """Raise ``UnknownAgencyError`` unless the successor (if any) is valid on the day after ``valid_to``."""
    if candidate.successor is None:
        return
    row = conn.execute(select(agency).where(agency.c.code == candidate.successor)).first()
    first_day = candidate.valid_to + dt.timedelta(days=1)
    if row is None:
        message = f"Không có đơn vị kế thừa mã {candidate.successor}."
    elif not _agency(row).valid_on(first_day):
        message = (f"Đơn vị kế thừa {candidate.successor} không có hiệu lực vào ngày {first_day:%d/%m/%Y} "
                   f"(hiệu lực {_agency(row).period()}).")
    else:
        return
    raise UnknownAgencyError(message, {"successor": [message]})


def check_name_free(conn: Connection, candidate: Agency) -> None:
    """Raise ``DuplicateAgencyError`` when an agency of the same name is valid at any time ``candidate`` is."""
    c = agency.c
    overlapping = [c.name == candidate.name]
    if candidate.valid_to is not None:
        overlapping.append(or_(c.valid_from.is_(None), c.valid_from <= candidate.valid_to))
    if candidate.valid_from is not None:
        overlapping.append(or_(c.valid_to.is_(None), c.valid_to >= candidate.valid_from))
    row = conn.execute(select(agency).where(*overlapping).order_by(c.valid_to.desc().nulls_first())
                       .limit(1)).first()
    if row is None:
        return
    other = _agency(row)
    message = f"Tên “{candidate.name}” đã thuộc đơn vị {other.code} (hiệu lực {other.period()})"
    if other.valid_to is not None:
        message += f"; đơn vị mới cùng tên phải có hiệu lực từ sau ngày {other.valid_to:%d/%m/%Y}"
    raise DuplicateAgencyError(message + ".", {"name": ["Tên đơn vị đã được dùng trong cùng thời gian."]})


def trimmed(value):
    """Return a string without surrounding white space; anything else as it is (``checked`` refuses it)."""
    return value.strip() if isinstance(value, str) else value


def optional_ref(ref: str | None) -> str | None:
    """Return a parent or successor code trimmed, None for None or blank."""
    if ref is None:
        return None
    return ref.strip() or None


def stamp(recorded_at: dt.datetime | None) -> dt.datetime:
    """Return ``recorded_at`` (now when None) in UTC; a naive datetime is refused."""
    if recorded_at is not None and recorded_at.utcoffset() is None:
        raise InvalidAgencyError(f"Thời điểm ghi nhận {recorded_at.isoformat()} thiếu múi giờ.")
    return (recorded_at or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)


def _agency(row) -> Agency:
    values = {name: getattr(row, name) for name in Agency.__dataclass_fields__}
    for name in ("recorded_at", "closed_at"):
        if values[name] is not None and values[name].tzinfo is None:  # SQLite keeps no offset: we write UTC
            values[name] = values[name].replace(tzinfo=dt.UTC)
        elif values[name] is not None:
            values[name] = values[name].astimezone(dt.UTC)
    return Agency(**values)
