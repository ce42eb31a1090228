"""The digest's HTTP channels against a real server on 127.0.0.1 imitating Zalo OA, Zalo Bot and a webhook:
what each sends, which failures are retried, which are final, which are unknown (never retried), and that
no token reaches a log line or a reason."""

import datetime as dt
import logging

import pytest

from tests.integration.fake_zalo import (
    BOT_TOKEN,
    OA_TOKEN,
    WEBHOOK_TOKEN,
    FakeZalo,
    refused_url,
)
from tracker.channels import (
    ChannelConfig,
    DeliveryFailedError,
    DeliveryUnknownError,
    InvalidTokenError,
    Message,
    open_channel,
)

MESSAGE = Message(on=dt.date(2026, 11, 11), group="tinh", channel="c", sequence=0, part=1, parts=2,
                  text="Hồ sơ cần đôn đốc – Thứ Tư, 11/11/2026 (1/2)")
PATHS = {"zalo_oa": "/v3.0/oa/group/message", "zalo_bot": f"/bot{BOT_TOKEN}/sendMessage", "webhook": "/hook"}


def config(kind, base_url, **overrides):
    values = {"zalo_oa": dict(target="g-42", token=OA_TOKEN, base_url=base_url),
              "zalo_bot": dict(target="chat-7", token=BOT_TOKEN, base_url=base_url),
              "webhook": dict(target=f"{base_url}/hook", token=WEBHOOK_TOKEN)}[kind]
    return ChannelConfig(name="c", kind=kind, connect_timeout=0.5, read_timeout=0.2, retries=2, backoff=0.01,
                         **{**values, **overrides})


def send(kind, base_url, **overrides):
    channel = open_channel(config(kind, base_url, **overrides))
    try:
        channel.send(MESSAGE)
    finally:
        channel.close()


@pytest.fixture
def fake():
    with FakeZalo(slow_seconds=0.6) as server:
        yield server


def test_a_zalo_oa_group_message_carries_the_token_in_its_header_and_the_text_to_the_group(fake):
    send("zalo_oa", fake.url)

    [request] = fake.received()
    assert request["path"] == "/v3.0/oa/group/message" and request["headers"]["access_token"] == OA_TOKEN
    assert request["body"] == {"recipient": {"group_id": "g-42"}, "message": {"text": MESSAGE.text}}


def test_a_zalo_bot_message_and_a_webhook_post_carry_what_their_apis_expect(fake):
    send("zalo_bot", fake.url)
    send("webhook", fake.url)

    bot, hook = fake.received()
    assert (bot["path"], bot["body"]) == (f"/bot{BOT_TOKEN}/sendMessage", {"chat_id": "chat-7", "text": MESSAGE.text})
    assert hook["headers"]["Authorization"] == f"Bearer {WEBHOOK_TOKEN}"
    assert hook["body"] == {"date": "2026-11-11", "group": "tinh", "part": 1, "parts": 2, "text": MESSAGE.text}


@pytest.mark.parametrize("kind", ["zalo_oa", "zalo_bot", "webhook"])
def test_a_5xx_answer_is_retried_and_the_next_answer_delivers(fake, kind):
    fake.plan = ["5xx"]

    send(kind, fake.url)

    assert [r["path"] for r in fake.received()] == [PATHS[kind]] * 2


@pytest.mark.parametrize("kind", ["zalo_oa", "zalo_bot", "webhook"])
def test_a_channel_answering_5xx_every_time_fails_after_its_retries(fake, kind):
    fake.plan = ["5xx"] * 10

    with pytest.raises(DeliveryFailedError, match="HTTP 503"):
        send(kind, fake.url)

    assert len(fake.received()) == 3  # the request and two retries


@pytest.mark.parametrize("kind", ["zalo_oa", "zalo_bot", "webhook"])
def test_an_invalid_token_fails_at_once_without_retry(fake, kind):
    with pytest.raises(InvalidTokenError):
        send(kind, fake.url, token="wrong:token")

    assert len(fake.received()) == 1


@pytest.mark.parametrize("kind", ["zalo_oa", "zalo_bot", "webhook"])
def test_a_slow_answer_is_an_unknown_outcome_and_is_never_retried(fake, kind):
    fake.plan = ["slow"]

    with pytest.raises(DeliveryUnknownError):
        send(kind, fake.url)

    assert len(fake.received()) == 1  # the service got it once; the client cannot know


@pytest.mark.parametrize("kind", ["zalo_oa", "zalo_bot", "webhook"])
def test_a_refused_connection_is_retried_then_failed_as_certainly_not_delivered(kind):
    url = refused_url()

    with pytest.raises(DeliveryFailedError, match="could not connect"):
        send(kind, url, **({"target": f"{url}/hook"} if kind == "webhook" else {}))


def test_the_bot_token_in_the_url_never_reaches_a_log_line_or_a_reason(fake, caplog):
    caplog.set_level(logging.DEBUG)
    fake.plan = ["5xx"] * 10
    reasons = []
    for base_url in (fake.url, refused_url()):
        with pytest.raises(DeliveryFailedError) as failed:
            send("zalo_bot", base_url)
        reasons.append(failed.value.message)

    assert "Retrying" in caplog.text and "/bot***/sendMessage" in caplog.text  # urllib3 logged its retries
    assert BOT_TOKEN not in caplog.text and "SECRET" not in caplog.text
    assert all("SECRET" not in reason for reason in reasons)


def test_the_outbox_writes_one_file_per_message_named_by_date_group_channel_sequence_and_part(tmp_path):
    channel = open_channel(ChannelConfig(name="luu-tru", kind="outbox", target=str(tmp_path / "outbox")))

    channel.send(MESSAGE)

    [file] = (tmp_path / "outbox").iterdir()
    assert file.name == "2026-11-11_tinh_c_0_1-of-2.txt"
    assert file.read_text(encoding="utf-8") == MESSAGE.text + "\n"
