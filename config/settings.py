"""Settings from ``TTHC_*`` environment variables, with defaults that need no set-up."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

from tracker.calendar import checked_office_hours


class SettingsError(ValueError):
    """Raised when a ``TTHC_*`` variable cannot be understood; the message names the variable."""


def parse_office_hours(text: str) -> tuple[tuple[dt.time, dt.time], ...]:
    """Parse ``"07:30-11:30,13:00-17:00"`` into ordered, non-overlapping (start, end) pairs."""
    try:
        spans = [tuple(dt.time.fromisoformat(t.strip()) for t in part.split("-")) for part in text.split(",")]
        return checked_office_hours(sorted(spans))
    except ValueError as error:  # CalendarError is a ValueError
        raise SettingsError(f"TTHC_OFFICE_HOURS: expected 'HH:MM-HH:MM,…', got {text!r}") from error


@dataclass(frozen=True)
class Settings:
    """Everything the service reads from its environment. See the README's configuration table."""

    instance_path: Path = field(default_factory=lambda: Path("instance").resolve())
    database_url: str = ""
    timezone: str = "Asia/Ho_Chi_Minh"
    office_hours: tuple[tuple[dt.time, dt.time], ...] = parse_office_hours("07:30-11:30,13:00-17:00")
    log_level: str = "INFO"
    host: str = "127.0.0.1"
    port: int = 8000
    secret_key: str = ""  # signs session cookies; empty: generated once into <instance>/secret_key (0600)
    cookie_secure: bool = True  # session cookie only over HTTPS; false for plain-http development
    session_hours: int = 8
    sign_in_delay_after: int = 3  # consecutive failures before each further try waits 2^(n-3) s
    sign_in_lock_after: int = 10  # failures that lock sign-in …
    sign_in_lock_minutes: int = 15  # … for this long

    def __post_init__(self) -> None:
        if not self.database_url:
            object.__setattr__(self, "database_url", f"sqlite:///{self.instance_path / 'tthc.db'}")
        try:
            ZoneInfo(self.timezone)
        except Exception as error:
            raise SettingsError(f"TTHC_TIMEZONE: unknown time zone {self.timezone!r}") from error

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides) -> "Settings":
        """Build settings from ``TTHC_*`` variables (``os.environ`` by default); ``overrides`` win."""
        env = os.environ if environ is None else environ
        values: dict = {}
        if env.get("TTHC_INSTANCE_PATH"):
            values["instance_path"] = Path(env["TTHC_INSTANCE_PATH"]).resolve()
        if env.get("TTHC_DATABASE_URL"):
            values["database_url"] = env["TTHC_DATABASE_URL"]
        if env.get("TTHC_TIMEZONE"):
            values["timezone"] = env["TTHC_TIMEZONE"]
        if env.get("TTHC_OFFICE_HOURS"):
            values["office_hours"] = parse_office_hours(env["TTHC_OFFICE_HOURS"])
        if env.get("TTHC_LOG_LEVEL"):
            values["log_level"] = env["TTHC_LOG_LEVEL"].upper()
        if env.get("TTHC_HOST"):
            values["host"] = env["TTHC_HOST"]
        if env.get("TTHC_PORT"):
            try:
                values["port"] = int(env["TTHC_PORT"])
            except ValueError as error:
                raise SettingsError(f"TTHC_PORT: expected a number, got {env['TTHC_PORT']!r}") from error
        if env.get("TTHC_SECRET_KEY"):
            values["secret_key"] = env["TTHC_SECRET_KEY"]
        if env.get("TTHC_COOKIE_SECURE"):
            flag = env["TTHC_COOKIE_SECURE"].strip().lower()
            if flag not in ("1", "0", "true", "false", "yes", "no"):
                raise SettingsError(f"TTHC_COOKIE_SECURE: expected 1/0, true/false or yes/no, got {flag!r}")
            values["cookie_secure"] = flag in ("1", "true", "yes")
        for name in ("session_hours", "sign_in_delay_after", "sign_in_lock_after", "sign_in_lock_minutes"):
            variable = f"TTHC_{name.upper()}"
            if env.get(variable):
                try:
                    values[name] = int(env[variable])
                except ValueError as error:
                    raise SettingsError(f"{variable}: expected a number, got {env[variable]!r}") from error
                if values[name] < 1:
                    raise SettingsError(f"{variable}: expected a positive number, got {env[variable]!r}")
        values.update(overrides)
        return cls(**values)
