"""A province's migration: 100,000 generated dossiers (about 420,000 events) go in through the bulk import,
a second run imports nothing, and every row of every dossier-results report satisfies the identity
``received = resolved + in_progress + returned + paused``. Slow: about 4 minutes on SQLite."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from config.demo import (
    DEMO_AGENCIES,
    DEMO_DECISION,
    demo_period,
    generate_dossiers,
    load_demo,
)
from tracker import queries

ICT = dt.timezone(dt.timedelta(hours=7))
NOW = dt.datetime(2026, 11, 20, 16, 0, tzinfo=ICT)
COUNT = 100_000
# periods as provinces report them: 15th–14th, 21st–20th, a 15/3–14/6 quarter, a 15/12–15/11 year, one day
PERIODS = [(dt.date(2026, 1, 15), dt.date(2026, 2, 14)), (dt.date(2026, 9, 21), dt.date(2026, 10, 20)),
           (dt.date(2026, 3, 15), dt.date(2026, 6, 14)), (dt.date(2025, 12, 15), dt.date(2026, 11, 15)),
           (dt.date(2026, 8, 22), dt.date(2026, 8, 22))]
BY = [[], ["level"], ["agency"], ["field"], ["procedure"], ["agency", "field"], ["level", "agency", "field", "procedure"]]


@pytest.mark.slow
def test_a_hundred_thousand_dossiers_import_once_and_every_report_row_adds_up(services):
    services.tracker.clock = lambda: NOW
    load_demo(services, dossiers=0, seed=1)
    start, end = demo_period(NOW)

    def lines():
        generated = generate_dossiers(COUNT, seed=7, procedures=DEMO_DECISION["entries"], agencies=DEMO_AGENCIES,
                                      start=start, end=end, calendar=services.calendar(), now=NOW)
        return enumerate(generated, start=1)

    first = services.tracker.import_dossiers(lines(), actor="migration")
    assert (first.imported, first.skipped, first.failed) == (COUNT, 0, 0), first.errors[:3]
    assert services.tracker.recorder.max_notification_id() > 4 * COUNT
    second = services.tracker.import_dossiers(lines(), actor="migration")
    assert (second.imported, second.skipped, second.failed) == (0, COUNT, 0)

    with services.projector.engine.connect() as conn:
        whole = queries.dossier_results(conn, start=start, end=end, by=[])
        assert whole["totals"]["received"] == COUNT  # the whole period: every dossier is new in it
        assert whole["totals"]["carried_over"] == 0
        for (period_start, period_end), by in itertools.product(PERIODS, BY):
            report = queries.dossier_results(conn, start=period_start, end=period_end, by=by)
            rows = [*report["groups"], report["totals"]]
            broken = [row for row in rows if row["received"] != row["resolved"] + row["in_progress"]
                      + row["returned"] + row["paused"]]
            assert broken == [], (period_start, period_end, by)
            if by:  # groups split the dossiers: they add up to the totals
                for key in ("received", "resolved", "in_progress", "returned", "paused", "carried_over"):
                    assert sum(group[key] for group in report["groups"]) == report["totals"][key], (by, key)
