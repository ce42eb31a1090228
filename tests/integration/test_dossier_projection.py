"""The dossier read models follow the tracker's events: a rebuild, or a catch-up in batches of any size,
writes exactly the rows the incremental path wrote, on SQLite and PostgreSQL."""

import datetime as dt

import pytest
from click.testing import CliRunner
from sqlalchemy import delete, select, update

from config.cli import cli
from events.projection import Projector
from events.tables import projection_tracking
from tests.integration.tracker_scenario import (
    EXPECTED,
    GENERATED_CODES,
    at,
    build_province,
    dossier_rows,
    moment,
)
from tracker.projections import tracker_projections
from tracker.read_models import dossier_segment_view, dossier_view

EVENTS = 39  # 14 receipts and 25 steps


def rows_by_code(engine):
    with engine.connect() as conn:
        return {row["code"]: row for row in conn.execute(select(dossier_view)).mappings()}


def segments_of(engine, code):
    s = dossier_segment_view.c
    with engine.connect() as conn:
        rows = conn.execute(select(s.start_on, s.end_on, s.clock, s.state, s.due_at)
                            .where(s.code == code).order_by(s.start_on))
        return [tuple(row) for row in rows]


def forget_dossiers(engine):
    """Empty the dossier read models and move their tracking position back to the start of the log."""
    with engine.begin() as conn:
        conn.execute(delete(dossier_segment_view))
        conn.execute(delete(dossier_view))
        conn.execute(update(projection_tracking).where(projection_tracking.c.name == "dossiers").values(position=0))


def nov(day):
    return dt.date(2026, 11, day)


def test_the_province_scenario_leaves_the_rows_worked_out_by_hand(services):
    province = build_province(services)
    assert province.codes[-2:] == GENERATED_CODES
    rows = rows_by_code(services.projector.engine)
    assert {code: (r["state"], r["version"], r["due_at"], r["appointment_at"], r["outcome"],
                   r["handling_agency_code"]) for code, r in rows.items()} == EXPECTED
    assert [step["type"] for step in rows["G09.20-261102-0003"]["timeline"]] == \
        ["receive", "start_processing", "request_supplement", "receive_supplement", "resolve", "deliver"]
    assert rows["G09-261104-0001"]["timeline"][-1]["to_agency"] == \
        {"code": "G09.05", "name": "Sở Xây dựng tỉnh Khánh Hòa"}
    assert (rows["G09.20-261104-0001"]["closed_on"], rows["G09.20-261104-0002"]["closed_on"]) == (nov(4), nov(6))
    engine = services.projector.engine
    # paused on 3/11 and running again, due a day later, from 4/11 until resolved on 5/11
    assert segments_of(engine, "G09.20-261102-0003") == [
        (nov(2), nov(3), "running", "processing", moment(5, 8)),
        (nov(3), nov(4), "paused", "awaiting_supplement", moment(5, 8)),
        (nov(4), nov(5), "running", "processing", moment(6, 8)),
    ]
    assert segments_of(engine, "G09.21-261103-0002") == [
        (nov(3), nov(4), "running", "received", moment(6, 10)),
        (nov(4), nov(5), "paused", "suspended", moment(6, 10)),
        (nov(5), None, "running", "processing", moment(9, 10)),
    ]
    # received and withdrawn the same day: no day ended with it open
    assert segments_of(engine, "G09.20-261104-0001") == []


def test_a_rebuild_gives_exactly_the_rows_of_the_incremental_path(services):
    build_province(services)
    incremental = dossier_rows(services.projector.engine)
    assert (len(incremental["dossier_view"]), len(incremental["dossier_segment_view"])) == (14, 22)
    assert services.projector.rebuild("dossiers") == EVENTS
    assert dossier_rows(services.projector.engine) == incremental
    assert services.projector.status()["dossiers"] == {"position": EVENTS, "head": EVENTS}


@pytest.mark.parametrize("batch_size", [1, 3])
def test_catching_up_in_small_batches_gives_the_rows_of_one_big_batch(services, batch_size):
    services.tracker.followers.clear()  # nothing is projected while the province is built
    build_province(services)
    engine = services.projector.engine
    assert dossier_rows(engine) == {"dossier_view": [], "dossier_segment_view": []}
    projections = tracker_projections(services.tracker, services.settings.tz)
    assert Projector(engine, projections, batch_size=500).catch_up("dossiers") == EVENTS
    one_batch = dossier_rows(engine)
    forget_dossiers(engine)
    assert Projector(engine, projections, batch_size=batch_size).catch_up("dossiers") == EVENTS
    assert dossier_rows(engine) == one_batch
    assert Projector(engine, projections, batch_size=batch_size).catch_up("dossiers") == 0
    services.projector.rebuild("dossiers")
    assert dossier_rows(engine) == one_batch


def test_a_step_logged_after_a_rebuild_updates_the_rows(services):
    build_province(services)
    services.projector.rebuild("dossiers")
    services.tracker.log_step("G09.20-261102-0001", {"type": "start_processing", "at": at(10, 9)},
                              actor="can-bo")
    # suspended Mon 9/11 08:00 → Tue 10/11 08:00 = 8 office hours: Wed 11/11 16:30 + 8 h = Thu 12/11 16:30
    services.tracker.log_step("G09.21-261106-0001", {"type": "resume", "at": at(10, 8)}, actor="can-bo")
    engine = services.projector.engine
    rows = rows_by_code(engine)
    assert (rows["G09.20-261102-0001"]["state"], rows["G09.20-261102-0001"]["version"]) == ("processing", 2)
    assert (rows["G09.21-261106-0001"]["state"], rows["G09.21-261106-0001"]["version"],
            rows["G09.21-261106-0001"]["due_at"]) == ("processing", 3, moment(12, 16, 30))
    assert segments_of(engine, "G09.20-261102-0001") == [
        (nov(2), nov(10), "running", "received", moment(5, 9)),
        (nov(10), None, "running", "processing", moment(5, 9)),
    ]
    assert segments_of(engine, "G09.21-261106-0001") == [
        (nov(6), nov(9), "running", "received", moment(11, 16, 30)),
        (nov(9), nov(10), "paused", "suspended", moment(11, 16, 30)),
        (nov(10), None, "running", "processing", moment(12, 16, 30)),
    ]
    incremental = dossier_rows(engine)
    assert services.projector.rebuild("dossiers") == EVENTS + 2
    assert dossier_rows(engine) == incremental


def test_the_command_line_rebuilds_the_dossier_read_models(services, monkeypatch):
    build_province(services)
    incremental = dossier_rows(services.projector.engine)
    monkeypatch.setenv("TTHC_DATABASE_URL", services.settings.database_url)
    result = CliRunner().invoke(cli, ["projections", "rebuild", "dossiers"])
    assert (result.exit_code, result.output) == (0, f"dossiers: rebuilt from {EVENTS} events\n")
    assert dossier_rows(services.projector.engine) == incremental
