"""The digest sent exactly once per (date, group, channel), on SQLite and PostgreSQL: repeated runs, four
processes at once, a channel that is down, a slow answer, a crash between claim and send or during a send,
and ``--resend``. Channels point at a real HTTP server on 127.0.0.1 imitating Zalo (``fake_zalo``).

The province is ``tracker_scenario``'s; on Wednesday 11/11/2026 it has five dossiers to report: two of
Lộc Thọ (G09.20) and three of Nha Trang (G09.21), under the province G09; none for the building
department (G09.05).
"""

import datetime as dt
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import MetaData, create_engine, insert

from config.digest import run_digest
from config.digest_settings import load_digest_settings
from config.services import build_services
from config.settings import Settings
from tests.integration.fake_zalo import BOT_TOKEN, OA_TOKEN, FakeZalo, refused_url
from tests.integration.tracker_scenario import build_province
from tracker.deliveries import DeliveryLog, digest_delivery

DAY = dt.date(2026, 11, 11)
TTHC = str(Path(sys.executable).with_name("tthc"))
OA_PATH, BOT_PATH = "/v3.0/oa/group/message", f"/bot{BOT_TOKEN}/sendMessage"


def digest_file(tmp_path, fake_url, bot_url=None):
    """Three groups: the province to Zalo OA, a webhook and the outbox; Lộc Thọ to a Zalo bot; the building
    department (nothing due) to the console."""
    path = tmp_path / "digest.toml"
    path.write_text(f"""
dossier_url = "https://dichvucong.khanhhoa.gov.vn/ho-so/{{code}}"
[channels.oa]
kind = "zalo_oa"
group_id = "g-42"
token = "{OA_TOKEN}"
base_url = "{fake_url}"
read_timeout = 0.2
retries = 2
backoff = 0.01
[channels.bot]
kind = "zalo_bot"
chat_id = "chat-7"
token = "{BOT_TOKEN}"
base_url = "{bot_url or fake_url}"
read_timeout = 0.2
connect_timeout = 0.5
retries = 1
backoff = 0.01
[channels.outbox]
kind = "outbox"
path = "outbox"
[channels.log]
kind = "console"
[[groups]]
name = "tinh"
agencies = ["G09"]
channels = ["oa", "outbox"]
[[groups]]
name = "loc-tho"
agencies = ["G09.20"]
channels = ["bot"]
[[groups]]
name = "xay-dung"
agencies = ["G09.05"]
channels = ["log"]
""", encoding="utf-8")
    return path


@pytest.fixture
def province(database_url, tmp_path):
    settings = Settings(instance_path=tmp_path, database_url=database_url)
    services = build_services(settings)
    build_province(services)
    yield services
    services.close()


@pytest.fixture
def fake():
    with FakeZalo() as server:
        yield server


def digest_of(services, tmp_path, fake_url, bot_url=None):
    path = digest_file(tmp_path, fake_url, bot_url)
    return load_digest_settings(services.settings, services.agencies, environ={"TTHC_DIGEST_CONFIG": str(path)})


def states(services):
    return {(r["group_name"], r["channel"], r["sequence"]): (r["state"], r["parts_sent"])
            for r in DeliveryLog(services.projector.engine).rows(DAY)}


def lines(outcomes):
    return [(o.group, o.channel, o.state) for o in outcomes]


def test_a_run_sends_each_group_once_per_channel_and_a_second_run_sends_nothing(province, tmp_path, fake):
    digest = digest_of(province, tmp_path, fake.url)

    first = run_digest(province, digest, DAY, actor="test")
    second = run_digest(province, digest, DAY, actor="test")

    assert lines(first) == [("tinh", "oa", "sent"), ("tinh", "outbox", "sent"), ("loc-tho", "bot", "sent"),
                            ("xay-dung", "log", "empty")]
    assert lines(second) == [("tinh", "oa", "skipped"), ("tinh", "outbox", "skipped"),
                             ("loc-tho", "bot", "skipped"), ("xay-dung", "log", "empty")]
    oa, bot = fake.received(OA_PATH), fake.received(BOT_PATH)
    assert len(oa) == len(bot) == 1
    assert "Quá hạn: 3" in oa[0]["body"]["message"]["text"] and "Quá hạn: 2" in bot[0]["body"]["text"]
    assert [f.name for f in (tmp_path / "outbox").iterdir()] == ["2026-11-11_tinh_outbox_0_1-of-1.txt"]
    assert states(province) == {("tinh", "oa", 0): ("sent", 1), ("tinh", "outbox", 0): ("sent", 1),
                                ("loc-tho", "bot", 0): ("sent", 1)}
    last = DeliveryLog(province.projector.engine).last_run()
    assert {k: last[k] for k in ("date", "sent", "failed", "unknown", "claimed")} == {
        "date": "2026-11-11", "sent": 3, "failed": 0, "unknown": 0, "claimed": 0}


def test_a_channel_that_is_down_is_failed_with_its_reason_the_others_still_go_and_a_later_run_sends_it(
        province, tmp_path, fake):
    down = digest_of(province, tmp_path, fake.url, bot_url=refused_url())

    outcomes = run_digest(province, down, DAY, actor="test")

    assert lines(outcomes)[:3] == [("tinh", "oa", "sent"), ("tinh", "outbox", "sent"), ("loc-tho", "bot", "failed")]
    assert "could not connect" in outcomes[2].reason and BOT_TOKEN not in outcomes[2].reason
    [row] = [r for r in DeliveryLog(province.projector.engine).rows(DAY) if r["channel"] == "bot"]
    assert (row["state"], row["attempts"], row["parts_sent"]) == ("failed", 1, 0)
    assert row["reason"].startswith("part 1/1: could not connect") and "SECRET" not in row["reason"]

    again = run_digest(province, digest_of(province, tmp_path, fake.url), DAY, actor="test")

    assert lines(again)[:3] == [("tinh", "oa", "skipped"), ("tinh", "outbox", "skipped"), ("loc-tho", "bot", "sent")]
    assert len(fake.received(BOT_PATH)) == 1 and len(fake.received(OA_PATH)) == 1


def test_a_slow_answer_leaves_the_send_unknown_until_an_explicit_resend_which_is_logged(
        province, tmp_path, fake, caplog):
    digest = digest_of(province, tmp_path, fake.url)
    fake.plan = ["slow"]  # the first request (the province's, to Zalo OA) answers too late

    first = run_digest(province, digest, DAY, actor="test")
    second = run_digest(province, digest, DAY, actor="test")
    with caplog.at_level(logging.WARNING, logger="tracker.deliveries"):
        resent = run_digest(province, digest, DAY, actor="chanh-van-phong", group="tinh", resend=True)

    assert lines(first)[0] == ("tinh", "oa", "unknown") and lines(second)[0] == ("tinh", "oa", "skipped")
    assert lines(resent) == [("tinh", "oa", "sent"), ("tinh", "outbox", "sent")]
    assert len(fake.received(OA_PATH)) == 2  # the slow one (received) and the resend, nothing in between
    assert states(province)[("tinh", "oa", 0)] == ("unknown", 0)
    assert states(province)[("tinh", "oa", 1)] == ("sent", 1)
    assert "resend #1 requested by chanh-van-phong" in caplog.text


def stale_row(services, state, attempts, parts_sent=0, age=dt.timedelta(hours=1)):
    with services.projector.engine.begin() as conn:
        conn.execute(insert(digest_delivery).values(
            digest_on=DAY, group_name="loc-tho", channel="bot", sequence=0, state=state,
            claimed_at=dt.datetime.now(dt.UTC) - age, claimed_by="other-host:4242:deadbeef", requested_by="scheduler",
            attempts=attempts, parts_total=1, parts_sent=parts_sent, text_sha256="0" * 64))


def test_a_claim_left_by_a_run_that_crashed_before_sending_is_taken_over_and_sent_once(province, tmp_path, fake):
    stale_row(province, "claimed", attempts=0)

    outcomes = run_digest(province, digest_of(province, tmp_path, fake.url), DAY, actor="test", group="loc-tho")

    assert lines(outcomes) == [("loc-tho", "bot", "sent")]
    assert len(fake.received(BOT_PATH)) == 1
    [row] = DeliveryLog(province.projector.engine).rows(DAY)
    assert (row["state"], row["attempts"], row["claimed_by"].startswith("other-host")) == ("sent", 1, False)


def test_a_run_that_crashed_during_a_send_leaves_it_unknown_and_nothing_is_sent_blind(province, tmp_path, fake):
    stale_row(province, "sending", attempts=1)

    outcomes = run_digest(province, digest_of(province, tmp_path, fake.url), DAY, actor="test", group="loc-tho")

    assert lines(outcomes) == [("loc-tho", "bot", "skipped")]
    assert fake.received(BOT_PATH) == []
    [row] = DeliveryLog(province.projector.engine).rows(DAY)
    assert row["state"] == "unknown" and "stopped during a send" in row["reason"]


def test_a_fresh_claim_of_another_run_is_left_to_it(province, tmp_path, fake):
    stale_row(province, "claimed", attempts=0, age=dt.timedelta(seconds=5))

    outcomes = run_digest(province, digest_of(province, tmp_path, fake.url), DAY, actor="test", group="loc-tho")

    assert lines(outcomes) == [("loc-tho", "bot", "skipped")] and fake.received(BOT_PATH) == []


def test_four_processes_running_the_same_digest_at_once_deliver_once_per_group_and_channel(
        province, tmp_path):
    with FakeZalo(delay=0.05) as fake:  # slow enough that the runs overlap
        path = digest_file(tmp_path, fake.url)
        env = {**os.environ, "TTHC_DATABASE_URL": province.settings.database_url, "TTHC_DIGEST_CONFIG": str(path),
               "TTHC_INSTANCE_PATH": str(tmp_path)}
        runs = [subprocess.Popen([TTHC, "digest", "--date", DAY.isoformat()], env=env, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True) for _ in range(4)]
        results = [run.communicate(timeout=120) for run in runs]

        assert [run.returncode for run in runs] == [0, 0, 0, 0], results
        assert len(fake.received(OA_PATH)) == 1 and len(fake.received(BOT_PATH)) == 1
    outputs = "\n".join(out for out, _ in results)
    for channel in ("tinh → oa", "tinh → outbox", "loc-tho → bot"):
        assert outputs.count(f"{channel}: sent") == 1 and outputs.count(f"{channel}: skipped") == 3
    assert len(list((tmp_path / "outbox").iterdir())) == 1
    assert states(province) == {("tinh", "oa", 0): ("sent", 1), ("tinh", "outbox", 0): ("sent", 1),
                                ("loc-tho", "bot", 0): ("sent", 1)}


def test_the_delivery_table_matches_its_migration(database_url):
    target = MetaData(naming_convention=digest_delivery.metadata.naming_convention)
    digest_delivery.to_metadata(target)
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={
                "include_name": lambda name, type_, parents: type_ != "table" or name == "digest_delivery"})
            assert compare_metadata(context, target) == []
    finally:
        engine.dispose()
