"""The demo province: generated dossiers are deterministic, follow the contract, and load whole into an empty
instance through the real services (SQLite, and PostgreSQL where configured); a second load is refused."""

from __future__ import annotations

import collections
import datetime as dt
import re

import pytest

from catalog.domain import DecisionNotFoundError, decision_id
from config.demo import (
    DEMO_AGENCIES,
    DEMO_DECISION,
    InstanceNotEmptyError,
    demo_period,
    generate_dossiers,
    load_demo,
    register_agencies,
)
from tracker.calendar import WorkingCalendar
from tracker.domain import OPEN, PAUSED, RUNNING, STATES, TRANSITIONS

ICT = dt.timezone(dt.timedelta(hours=7))
NOW = dt.datetime(2026, 6, 15, 10, 0, tzinfo=ICT)  # a fixed "now": the period is 1/7/2025 … 14/6/2026
CALENDAR = WorkingCalendar()
PROCEDURES = {p["code"]: p for p in DEMO_DECISION["entries"]}
AGENCIES = {a["code"]: a for a in DEMO_AGENCIES}


def lines(count: int, seed: int, now: dt.datetime = NOW) -> list[dict]:
    start, end = demo_period(now)
    return list(generate_dossiers(count, seed=seed, procedures=DEMO_DECISION["entries"], agencies=DEMO_AGENCIES,
                                  start=start, end=end, calendar=CALENDAR, now=now))


def final_state(line: dict) -> str:
    state = "received"
    for step in line["steps"]:
        sources, target = TRANSITIONS[step["type"]]
        assert state in sources, f"{line['code']}: {step['type']} from {state}"
        state = target or state
    return state


def test_the_same_seed_gives_the_same_dossiers_and_another_seed_others():
    assert lines(200, seed=5) == lines(200, seed=5)
    assert lines(200, seed=5) != lines(200, seed=6)


def test_every_step_follows_the_contract_in_time_order_and_none_is_after_now():
    for line in lines(1500, seed=11):
        moments = [line["received_at"]] + [step["at"] for step in line["steps"]]
        assert moments == sorted(moments), line["code"]
        assert moments[-1] <= NOW
        assert final_state(line) in STATES
        for step in line["steps"]:
            if step["type"] == "apologize":
                assert step["new_appointment_at"] > step["at"]


def test_receipts_lie_in_the_period_at_an_agency_of_the_procedures_level_valid_that_day():
    start, end = demo_period(NOW)
    assert start == dt.date(2025, 7, 1)  # never before the demo decision takes effect
    numbers = collections.Counter()
    for line in lines(1500, seed=12):
        received = CALENDAR.local(line["received_at"])
        agency = AGENCIES[line["agency"]]
        assert start <= received.date() <= end
        assert line["level"] == agency["level"] and line["level"] in PROCEDURES[line["procedure_code"]]["levels"]
        assert agency["closed"] is None and (agency["valid_from"] or start) <= received.date()
        assert re.fullmatch(rf"{re.escape(agency['code'])}-{received:%Y%m%d}-\d{{7}}", line["code"])
        if line["channel"] != "online":  # only the portal receives at night and on days off
            assert CALENDAR.is_open(received), line["code"]
        for step in line["steps"]:
            if step["type"] == "transfer":
                target = AGENCIES[step["to_agency"]]
                assert target["level"] == agency["level"] and target["code"] != agency["code"]
        numbers[line["code"]] += 1
    assert max(numbers.values()) == 1


def test_a_year_of_dossiers_has_every_channel_step_and_end_in_realistic_shares():
    year = lines(2000, seed=1)
    channels = collections.Counter(line["channel"] for line in year)
    assert 0.45 < channels["online"] / 2000 < 0.55 and 0.35 < channels["in_person"] / 2000 < 0.45
    steps = collections.Counter(step["type"] for line in year for step in line["steps"])
    assert set(steps) == set(TRANSITIONS)
    assert 0.10 < steps["request_supplement"] / 2000 < 0.20
    ends = collections.Counter(final_state(line) for line in year)
    assert ends["delivered"] > 0.75 * 2000
    assert ends.keys() >= {"delivered", "resolved", "withdrawn", "rejected", "awaiting_supplement"}
    assert any(ends[state] for state in RUNNING)
    off_hours = [line for line in year if not CALENDAR.is_open(line["received_at"])]
    assert off_hours and all(line["channel"] == "online" for line in off_hours)


def test_recent_dossiers_are_cut_off_at_now_and_left_open():
    recent = [line for line in lines(2000, seed=1) if line["received_at"] > NOW - dt.timedelta(days=3)]
    assert recent and any(final_state(line) in OPEN for line in recent)


def test_the_generator_refuses_a_period_that_reaches_today():
    with pytest.raises(ValueError):
        next(generate_dossiers(1, seed=1, procedures=DEMO_DECISION["entries"], agencies=DEMO_AGENCIES,
                               start=dt.date(2026, 6, 1), end=NOW.date(), calendar=CALENDAR, now=NOW))


# -- through the real services ---------------------------------------------------------------------------

@pytest.fixture
def fixed_now(services):
    """The tracker's clock stopped at ``NOW``, so the demo period and the cut-off are the same every day."""
    services.tracker.clock = lambda: NOW
    return NOW


def test_a_demo_load_imports_every_dossier_of_the_province(services, fixed_now):
    summary = load_demo(services, dossiers=300, seed=3)

    assert summary["dossiers"] == {"imported": 300, "skipped": 0, "failed": 0}, summary["errors"]
    assert (summary["procedures"], summary["agencies"]) == (len(DEMO_DECISION["entries"]), len(DEMO_AGENCIES))
    codes = [line["code"] for line in lines(300, seed=3)]
    dossiers = [services.tracker.get_dossier(code) for code in codes]
    outcomes = collections.Counter(d.outcome for d in dossiers if d.outcome)
    assert outcomes.keys() == {"early", "on_time", "late"}
    assert any(d.state in PAUSED for d in dossiers)
    assert services.agencies.get("G09.20").successor == "G09.31"


def test_a_second_load_is_refused_and_records_nothing(services, fixed_now):
    load_demo(services, dossiers=20, seed=3)
    with pytest.raises(InstanceNotEmptyError, match="hồ sơ"):
        load_demo(services, dossiers=20, seed=4)


def test_a_load_into_an_instance_with_a_demo_agency_is_refused_before_any_write(services, fixed_now):
    register_agencies(services.agencies)
    with pytest.raises(InstanceNotEmptyError, match="G09.01"):
        load_demo(services, dossiers=5, seed=1)
    with pytest.raises(DecisionNotFoundError):
        services.catalog.get_decision(decision_id(DEMO_DECISION["number"], DEMO_DECISION["issuer"], 0))
