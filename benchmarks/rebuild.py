"""Benchmark: projection rebuild against a baseline measured in the same run.

Baseline: reading and decoding the same event log without projecting (the floor any rebuild pays).
Usage: ``python -m benchmarks.rebuild [DATABASE_URL] [--decisions N]`` (default: a temporary SQLite file,
200 decisions of 100 procedures, about 50,000 events).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from config import migrate
from config.services import build_services
from config.settings import Settings
from tests.integration.large_catalog import record_large_history


def read_log(application) -> int:
    """Read and decode every notification in pages of 500; return how many."""
    position, count = 0, 0
    while True:
        page = application.recorder.select_notifications(start=position, limit=500, inclusive_of_start=False)
        if not page:
            return count
        for notification in page:
            application.mapper.to_domain_event(notification)
        count += len(page)
        position = page[-1].id


def timed(func, *args):
    started = time.perf_counter()
    result = func(*args)
    return result, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("database_url", nargs="?")
    parser.add_argument("--decisions", type=int, default=200)
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.db'}"
    migrate.upgrade(url)
    services = build_services(Settings(database_url=url))
    services.catalog.followers.clear()
    _, record_s = timed(record_large_history, services.catalog, args.decisions)
    events = services.catalog.recorder.max_notification_id()
    _, catch_up_s = timed(services.projector.catch_up)
    read, read_s = timed(read_log, services.catalog)
    _, rebuild_s = timed(services.projector.rebuild)
    print(f"store: {url.split(':')[0]}, events: {events}")
    print(f"record decisions:        {record_s:7.1f} s  ({events / record_s:,.0f} events/s)")
    print(f"baseline log read+decode:{read_s:7.1f} s  ({read / read_s:,.0f} events/s)")
    print(f"incremental catch-up:    {catch_up_s:7.1f} s  ({catch_up_s / read_s:.1f}× baseline)")
    print(f"rebuild (3 projections): {rebuild_s:7.1f} s  ({rebuild_s / read_s:.1f}× baseline)")
    services.close()


if __name__ == "__main__":
    main()
