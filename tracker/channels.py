"""Where a digest message goes: the console/log, a file outbox, a JSON webhook, a Zalo OA group or a Zalo Bot
chat (domain.md, "Zalo").

Each channel's ``send(message)`` returns when the message was delivered, or raises:

- :class:`DeliveryFailedError`: it was certainly not delivered (connection refused or timed out while
  connecting, a 5xx answer after the retries, a 4xx or an API error; :class:`InvalidTokenError` for a
  refused token, which is never retried). A later run may send it again.
- :class:`DeliveryUnknownError`: the request may have reached the service (no answer within the read
  timeout, connection dropped after sending, an answer that cannot be read). It is never retried
  automatically: only ``tthc digest --resend`` sends again.

HTTP channels retry refused connections and 5xx answers with exponential backoff (urllib3 ``Retry``), never
a request whose outcome is unknown. Tokens never reach a log line or a stored reason: the Zalo Bot token is
in the URL path, so every reason and every urllib3 log record is redacted (``/bot***/sendMessage``).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Protocol

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import ConnectTimeoutError, MaxRetryError
from urllib3.util.retry import Retry

log = logging.getLogger(__name__)

KINDS = ("console", "outbox", "webhook", "zalo_oa", "zalo_bot")
DEFAULT_BASE_URLS = {"zalo_oa": "https://openapi.zalo.me", "zalo_bot": "https://bot-api.zaloplatforms.com"}
RETRIED_STATUSES = (500, 502, 503, 504)
ZALO_OA_TOKEN_ERRORS = {-124, -216, -220}  # access token expired / invalid / wrong app (Zalo OA API error codes)
MAX_REASON = 500


@dataclass(frozen=True)
class ChannelConfig:
    """One ``[channels.NAME]`` of the digest file. ``target``: the Zalo group id, the bot's chat id, the
    webhook URL or the outbox directory. Timeouts in seconds; ``retries`` of refused connections and of 5xx
    answers; ``backoff`` factor in seconds (0.5, 1, 2, … × backoff between tries)."""

    name: str
    kind: str
    target: str | None = None
    token: str | None = field(default=None, repr=False)
    base_url: str | None = None
    connect_timeout: float = 5
    read_timeout: float = 20
    retries: int = 3
    backoff: float = 1.0


@dataclass(frozen=True)
class Message:
    """One part of one group's digest for one channel: ``sequence`` 0 for the day's send, 1, 2, … for resends."""

    on: dt.date
    group: str
    channel: str
    sequence: int
    part: int
    parts: int
    text: str


class DeliveryError(Exception):
    """Base of the channels' refusals: ``reason`` for programs, ``message`` (redacted) for the log."""

    reason = "delivery_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message[:MAX_REASON]


class DeliveryFailedError(DeliveryError):
    """Raised when the message was certainly not delivered."""

    reason = "delivery_failed"


class InvalidTokenError(DeliveryFailedError):
    """Raised when the service refuses the channel's token (never retried)."""

    reason = "invalid_token"


class DeliveryUnknownError(DeliveryError):
    """Raised when the message may or may not have been delivered (never retried automatically)."""

    reason = "delivery_unknown"


class Channel(Protocol):
    config: ChannelConfig

    def send(self, message: Message) -> None: ...

    def close(self) -> None: ...


def open_channel(config: ChannelConfig, *, stream: IO[str] | None = None) -> Channel:
    """Return the channel of ``config.kind``; ``stream`` is where the console channel writes (stdout)."""
    if config.kind == "console":
        return ConsoleChannel(config, stream)
    if config.kind == "outbox":
        return OutboxChannel(config)
    return {"webhook": WebhookChannel, "zalo_oa": ZaloOAChannel, "zalo_bot": ZaloBotChannel}[config.kind](config)


class ConsoleChannel:
    """Writes each message to ``stream`` (standard output) under a header line, and logs that it did."""

    def __init__(self, config: ChannelConfig, stream: IO[str] | None = None) -> None:
        self.config, self.stream = config, stream

    def send(self, message: Message) -> None:
        import sys

        stream = self.stream or sys.stdout
        stream.write(f"--- {message.on:%d/%m/%Y} {message.group} ({message.part}/{message.parts}) ---\n"
                     f"{message.text}\n")
        stream.flush()
        log.info("digest %s for %s written to the console (%d/%d)", message.on, message.group, message.part,
                 message.parts)

    def close(self) -> None:
        pass


class OutboxChannel:
    """Writes each message to its own file ``<date>_<group>_<channel>_<sequence>_<part>-of-<parts>.txt`` in
    the ``target`` directory, atomically (a temporary file renamed into place)."""

    def __init__(self, config: ChannelConfig) -> None:
        self.config = config

    def send(self, message: Message) -> None:
        folder = Path(self.config.target)
        name = (f"{message.on:%Y-%m-%d}_{message.group}_{message.channel}_{message.sequence}_"
                f"{message.part}-of-{message.parts}.txt")
        try:
            folder.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=folder, delete=False,
                                             prefix=".tmp-", suffix=".txt") as file:
                file.write(message.text + "\n")
            os.replace(file.name, folder / name)
        except OSError as error:
            raise DeliveryFailedError(f"outbox {folder}: {error.strerror or error}") from error

    def close(self) -> None:
        pass


class HttpChannel:
    """A JSON POST with timeouts, retries of refused connections and 5xx answers, and redacted reasons."""

    def __init__(self, config: ChannelConfig) -> None:
        self.config = config
        if config.token:
            SECRETS.add(config.token)
        retry = Retry(total=None, connect=config.retries, read=0, other=0, redirect=0, status=config.retries,
                      status_forcelist=RETRIED_STATUSES, allowed_methods=frozenset({"POST"}),
                      backoff_factor=config.backoff, raise_on_status=False, raise_on_redirect=False)
        self.session = requests.Session()
        self.session.mount("http://", HTTPAdapter(max_retries=retry))
        self.session.mount("https://", HTTPAdapter(max_retries=retry))

    def post(self, url: str, body: dict[str, Any], headers: dict[str, str] | None = None) -> requests.Response:
        """POST ``body``; return the final answer (after retries), or raise a ``DeliveryError``."""
        try:
            return self.session.post(url, json=body, headers=headers,
                                     timeout=(self.config.connect_timeout, self.config.read_timeout))
        except requests.RequestException as error:
            raise classified(error) from None

    def answer(self, response: requests.Response) -> dict[str, Any]:
        """The JSON of a 2xx answer; raises for 401/403 (token), other 4xx and 5xx (failed), unreadable (unknown)."""
        if response.status_code in (401, 403):
            raise InvalidTokenError(f"{self.config.kind}: HTTP {response.status_code}: token refused")
        if response.status_code >= 300:
            raise DeliveryFailedError(f"{self.config.kind}: HTTP {response.status_code}: "
                                      f"{redact(response.text[:200])}")
        try:
            body = response.json()
        except ValueError:
            raise DeliveryUnknownError(f"{self.config.kind}: HTTP {response.status_code} with an answer that "
                                       "is not JSON") from None
        return body if isinstance(body, dict) else {}

    def close(self) -> None:
        self.session.close()


class WebhookChannel(HttpChannel):
    """POST ``{"date", "group", "part", "parts", "text"}`` to ``target``; ``Authorization: Bearer <token>``
    when a token is configured. Any 2xx is success."""

    def send(self, message: Message) -> None:
        headers = {"Authorization": f"Bearer {self.config.token}"} if self.config.token else None
        response = self.post(self.config.target, {"date": message.on.isoformat(), "group": message.group,
                                                  "part": message.part, "parts": message.parts,
                                                  "text": message.text}, headers)
        if response.status_code in (401, 403):
            raise InvalidTokenError(f"webhook: HTTP {response.status_code}: token refused")
        if response.status_code >= 300:
            raise DeliveryFailedError(f"webhook: HTTP {response.status_code}")


class ZaloOAChannel(HttpChannel):
    """Zalo Official Account group message: POST ``{base}/v3.0/oa/group/message``, header ``access_token``,
    body ``{"recipient": {"group_id"}, "message": {"text"}}``; success when the answer's ``error`` is 0."""

    def send(self, message: Message) -> None:
        response = self.post(f"{self.config.base_url}/v3.0/oa/group/message",
                             {"recipient": {"group_id": self.config.target}, "message": {"text": message.text}},
                             {"access_token": self.config.token})
        body = self.answer(response)
        error = body.get("error")
        if error == 0:
            return
        text = redact(str(body.get("message", "")))[:200]
        if error in ZALO_OA_TOKEN_ERRORS:
            raise InvalidTokenError(f"zalo_oa: error {error}: {text}")
        raise DeliveryFailedError(f"zalo_oa: error {error}: {text}")


class ZaloBotChannel(HttpChannel):
    """Zalo Bot ``sendMessage``: POST ``{base}/bot<TOKEN>/sendMessage`` with ``{"chat_id", "text"}``; success
    when the answer is ``{"ok": true, …}``. 401/403/404 or ``error_code`` 401 mean the token is refused."""

    def send(self, message: Message) -> None:
        response = self.post(f"{self.config.base_url}/bot{self.config.token}/sendMessage",
                             {"chat_id": self.config.target, "text": message.text})
        if response.status_code == 404:
            raise InvalidTokenError("zalo_bot: HTTP 404: no bot with this token")
        body = self.answer(response)
        if body.get("ok") is True:
            return
        code = body.get("error_code")
        text = redact(str(body.get("description", "")))[:200]
        if code in (401, 403):
            raise InvalidTokenError(f"zalo_bot: error {code}: {text}")
        raise DeliveryFailedError(f"zalo_bot: error {code}: {text}")


def classified(error: requests.RequestException) -> DeliveryError:
    """Failed when the request certainly never reached the service (no connection), unknown otherwise."""
    cause = error.args[0] if error.args else None
    if isinstance(cause, MaxRetryError):
        cause = cause.reason
    text = redact(f"{type(error).__name__}: {error}")
    if isinstance(error, requests.ConnectTimeout) or isinstance(cause, ConnectTimeoutError):
        return DeliveryFailedError(f"could not connect: {text}")  # NewConnectionError is a ConnectTimeoutError
    if isinstance(error, requests.ConnectionError | requests.Timeout):
        return DeliveryUnknownError(f"no answer after the request was sent: {text}")
    return DeliveryFailedError(text)


class _Secrets:
    """The tokens of the channels opened in this process, replaced by ``***`` wherever text is logged."""

    def __init__(self) -> None:
        self._values: set[str] = set()
        self._lock = threading.Lock()

    def add(self, value: str) -> None:
        with self._lock:
            self._values.add(value)

    def redact(self, text: str) -> str:
        for value in sorted(self._values, key=len, reverse=True):
            text = text.replace(value, "***")
        return text


class RedactingFilter(logging.Filter):
    """Rewrites a record's message with the known tokens replaced (urllib3 logs URLs on retries)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = SECRETS.redact(message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True


SECRETS = _Secrets()
redact = SECRETS.redact
for _name in ("urllib3.connectionpool", "urllib3.util.retry", "urllib3.connection"):
    logging.getLogger(_name).addFilter(RedactingFilter())
