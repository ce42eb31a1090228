"""The digest's groups and channels, from a TOML file the province edits (``TTHC_DIGEST_CONFIG``, default
``<instance>/digest.toml``; no file: no groups, the digest sends nothing). Read and checked at start-up
(``create_app``, ``tthc digest``, ``tthc scheduler``), so a typo fails then, naming the file and the key,
never at 07:30. A restart applies an edit. See ``docs/digest.example.toml`` for every key.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from config.settings import Settings, SettingsError
from tracker.agencies import LEVELS, AgencyNotFoundError, AgencyRegistry
from tracker.channels import DEFAULT_BASE_URLS, KINDS, ChannelConfig
from tracker.digest import MAX_PARTS, DigestGroup

NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,99}")
TOP_KEYS = {"time", "dossier_url", "claim_timeout_minutes", "channels", "groups"}
CHANNEL_KEYS = {"kind", "group_id", "chat_id", "url", "path", "token", "token_env", "base_url",
                "connect_timeout", "read_timeout", "retries", "backoff"}
TARGET_OF = {"zalo_oa": "group_id", "zalo_bot": "chat_id", "webhook": "url", "outbox": "path"}
GROUP_KEYS = {"name", "title", "agencies", "levels", "subunits", "within", "send_when_empty", "max_parts",
              "channels"}


@dataclass(frozen=True)
class DigestSettings:
    """The parsed file: send ``time`` (local, Asia/Ho_Chi_Minh by default), an optional ``dossier_url``
    template with ``{code}``, how long a claim stays someone else's (``claim_timeout``), the channels by
    name and the groups in file order."""

    path: Path | None = None
    time: dt.time = dt.time(7, 30)
    dossier_url: str | None = None
    claim_timeout: dt.timedelta = dt.timedelta(minutes=10)
    channels: dict[str, ChannelConfig] = field(default_factory=dict)
    groups: tuple[DigestGroup, ...] = ()

    def group(self, name: str) -> DigestGroup:
        """Return the group called ``name``; raises ``SettingsError`` naming the known ones."""
        for group in self.groups:
            if group.name == name:
                return group
        known = ", ".join(g.name for g in self.groups) or "none"
        raise SettingsError(f"unknown digest group {name!r} (configured: {known})")


def config_path(settings: Settings, environ) -> Path:
    """``TTHC_DIGEST_CONFIG``, else ``<instance>/digest.toml``."""
    if environ.get("TTHC_DIGEST_CONFIG"):
        return Path(environ["TTHC_DIGEST_CONFIG"])
    return settings.instance_path / "digest.toml"


def load_digest_settings(settings: Settings, agencies: AgencyRegistry | None = None,
                         environ: dict[str, str] | None = None) -> DigestSettings:
    """Read and check the digest file of ``settings``; with ``agencies``, check every agency code is known.

    Raises ``SettingsError`` (``"<file>: <key>: <what is wrong>"``) for malformed TOML, an unknown key,
    kind, channel, level or agency, a missing target, a token variable that is not set, a bad time.
    """
    env = os.environ if environ is None else environ
    path = config_path(settings, env)
    if not path.is_file():
        if env.get("TTHC_DIGEST_CONFIG"):
            raise SettingsError(f"TTHC_DIGEST_CONFIG: no file at {path}")
        return DigestSettings()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise SettingsError(f"{path}: not valid TOML: {error}") from error
    parsed = _parse(data, _Where(path), settings, env)
    if agencies is not None:
        check_agencies(parsed, agencies)
    return parsed


def check_agencies(digest: DigestSettings, agencies: AgencyRegistry) -> None:
    """Raise ``SettingsError`` when a group names an agency code the registry has never had."""
    for n, group in enumerate(digest.groups):
        for code in group.agencies:
            try:
                agencies.get(code)
            except AgencyNotFoundError:
                raise SettingsError(f"{digest.path}: groups[{n}].agencies: unknown agency code {code!r} "
                                    f"(group {group.name!r})") from None


@dataclass(frozen=True)
class _Where:
    path: Path

    def error(self, key: str, message: str) -> SettingsError:
        return SettingsError(f"{self.path}: {key}: {message}")


def _parse(data: dict[str, Any], where: _Where, settings: Settings, environ) -> DigestSettings:
    _known_keys(data, TOP_KEYS, where, "top level")
    time = _time(data.get("time", "07:30"), where)
    dossier_url = data.get("dossier_url")
    if dossier_url is not None and (not isinstance(dossier_url, str) or "{code}" not in dossier_url):
        raise where.error("dossier_url", "expected a URL template containing {code}")
    minutes = _number(data.get("claim_timeout_minutes", 10), where, "claim_timeout_minutes", 1, 24 * 60)
    channels_data = data.get("channels", {})
    if not isinstance(channels_data, dict):
        raise where.error("channels", "expected tables [channels.NAME]")
    channels = {name: _channel(name, value, where, settings, environ) for name, value in channels_data.items()}
    groups_data = data.get("groups", [])
    if not isinstance(groups_data, list):
        raise where.error("groups", "expected [[groups]] tables")
    groups = tuple(_group(n, value, where, channels) for n, value in enumerate(groups_data))
    names = [group.name for group in groups]
    if len(set(names)) != len(names):
        raise where.error("groups", f"a group name is used twice: {sorted(n for n in names if names.count(n) > 1)[0]!r}")
    return DigestSettings(path=where.path, time=time, dossier_url=dossier_url,
                          claim_timeout=dt.timedelta(minutes=minutes), channels=channels, groups=groups)


def _channel(name: str, data: Any, where: _Where, settings: Settings, environ) -> ChannelConfig:
    key = f"channels.{name}"
    if not NAME.fullmatch(name):
        raise where.error(key, "a channel name is 1-100 lowercase letters, digits, '-' or '_'")
    if not isinstance(data, dict):
        raise where.error(key, "expected a table")
    _known_keys(data, CHANNEL_KEYS, where, key)
    kind = data.get("kind")
    if kind not in KINDS:
        raise where.error(f"{key}.kind", f"unknown kind {kind!r} (one of {', '.join(KINDS)})")
    target = None
    if kind in TARGET_OF:
        target = data.get(TARGET_OF[kind])
        if not isinstance(target, str | int) or isinstance(target, bool) or not str(target).strip():
            raise where.error(f"{key}.{TARGET_OF[kind]}", f"required for kind {kind!r}")
        target = str(target).strip()
        if kind == "outbox":
            target = str((settings.instance_path / target).resolve())
        if kind == "webhook" and not target.startswith(("http://", "https://")):
            raise where.error(f"{key}.url", "expected an http:// or https:// URL")
    token = _token(data, where, key, environ, required=kind in ("zalo_oa", "zalo_bot"))
    base_url = data.get("base_url", DEFAULT_BASE_URLS.get(kind))
    if kind in DEFAULT_BASE_URLS and (not isinstance(base_url, str) or not base_url.startswith(("http://", "https://"))):
        raise where.error(f"{key}.base_url", "expected an http:// or https:// URL")
    return ChannelConfig(
        name=name, kind=kind, target=target, token=token, base_url=base_url.rstrip("/") if base_url else None,
        connect_timeout=_number(data.get("connect_timeout", 5), where, f"{key}.connect_timeout", 0.01, 120),
        read_timeout=_number(data.get("read_timeout", 20), where, f"{key}.read_timeout", 0.01, 300),
        retries=int(_number(data.get("retries", 3), where, f"{key}.retries", 0, 10, integer=True)),
        backoff=_number(data.get("backoff", 1.0), where, f"{key}.backoff", 0, 60))


def _token(data: dict, where: _Where, key: str, environ, *, required: bool) -> str | None:
    if "token" in data and "token_env" in data:
        raise where.error(key, "give token or token_env, not both")
    if "token_env" in data:
        variable = data["token_env"]
        if not isinstance(variable, str) or not environ.get(variable):
            raise where.error(f"{key}.token_env", f"the environment variable {variable!r} is not set")
        return environ[variable]
    token = data.get("token")
    if token is not None and (not isinstance(token, str) or not token.strip()):
        raise where.error(f"{key}.token", "expected a non-empty string")
    if required and token is None:
        raise where.error(key, "a token is required (token_env = \"VARIABLE\" or token = \"…\")")
    return token


def _group(n: int, data: Any, where: _Where, channels: dict[str, ChannelConfig]) -> DigestGroup:
    key = f"groups[{n}]"
    if not isinstance(data, dict):
        raise where.error(key, "expected a table")
    _known_keys(data, GROUP_KEYS, where, key)
    name = data.get("name")
    if not isinstance(name, str) or not NAME.fullmatch(name):
        raise where.error(f"{key}.name", "required: 1-100 lowercase letters, digits, '-' or '_'")
    title = data.get("title", "Hồ sơ cần đôn đốc")
    if not isinstance(title, str) or not 1 <= len(title.strip()) <= 200:
        raise where.error(f"{key}.title", "expected 1 to 200 characters")
    agencies = _strings(data.get("agencies", []), where, f"{key}.agencies")
    levels = _strings(data.get("levels", []), where, f"{key}.levels")
    for level in levels:
        if level not in LEVELS:
            raise where.error(f"{key}.levels", f"unknown level {level!r} (one of {', '.join(LEVELS)})")
    names = _strings(data.get("channels", []), where, f"{key}.channels")
    if not names:
        raise where.error(f"{key}.channels", "name at least one channel")
    for channel in names:
        if channel not in channels:
            raise where.error(f"{key}.channels", f"unknown channel {channel!r} (defined: {', '.join(channels) or 'none'})")
    for flag in ("subunits", "send_when_empty"):
        if not isinstance(data.get(flag, False), bool):
            raise where.error(f"{key}.{flag}", "expected true or false")
    return DigestGroup(
        name=name, channels=names, title=title.strip(), agencies=agencies, levels=levels,
        include_subunits=data.get("subunits", True), send_when_empty=data.get("send_when_empty", False),
        within=int(_number(data.get("within", 2), where, f"{key}.within", 0, 30, integer=True)),
        max_parts=int(_number(data.get("max_parts", 3), where, f"{key}.max_parts", 1, MAX_PARTS, integer=True)))


def _known_keys(data: dict, known: set[str], where: _Where, key: str) -> None:
    unknown = sorted(set(data) - known)
    if unknown:
        raise where.error(key, f"unknown key {unknown[0]!r} (known: {', '.join(sorted(known))})")


def _strings(value: Any, where: _Where, key: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise where.error(key, "expected a list of non-empty strings")
    return tuple(v.strip() for v in value)


def _number(value: Any, where: _Where, key: str, low: float, high: float, *, integer: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or (integer and not isinstance(value, int)) \
            or not low <= value <= high:
        raise where.error(key, f"expected {'a whole number' if integer else 'a number'} from {low} to {high}")
    return value


def _time(value: Any, where: _Where) -> dt.time:
    if isinstance(value, str) and re.fullmatch(r"\d{2}:\d{2}", value):
        try:
            return dt.time.fromisoformat(value)
        except ValueError:
            pass
    raise where.error("time", f"expected HH:MM (24-hour), got {value!r}")
