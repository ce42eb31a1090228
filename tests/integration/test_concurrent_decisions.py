"""Two KSTT officers recording decisions on the same procedure at once: one wins, nothing is lost."""

import datetime as dt
import multiprocessing
import threading

from config.services import build_services
from config.settings import Settings
from events.errors import ConcurrentUpdateError
from tests.integration.catalog_scenario import new

ON = dt.date(2024, 4, 16)


def amend(services, n):
    return services.catalog.record_decision(
        number=f"{n}/QĐ-UBND", issuer="UBND", signed_on=ON, actor=f"officer-{n}",
        entries=[{"action": "amended", "code": "1.000001", "agency": f"Đơn vị {n}"}])


def outcomes_are_consistent(services, results):
    won = [n for n, outcome in results.items() if outcome == "ok"]
    lost = [n for n, outcome in results.items() if outcome == "concurrent_update"]
    assert len(won) + len(lost) == len(results)
    assert len(won) >= 1
    procedure = services.catalog.get_procedure("1.000001")
    # every winner's change is there once; no loser's change is
    assert sorted(c.decision.number for c in procedure.history()[1:]) == sorted(f"{n}/QĐ-UBND" for n in won)
    services.projector.catch_up()
    return won, lost


def test_threads_amending_one_procedure_each_win_or_get_concurrent_update(settings, services):
    services.catalog.record_decision(number="0/QĐ-UBND", issuer="UBND", signed_on=ON, actor="kstt",
                                     entries=[new("1.000001")])
    workers = [build_services(settings) for _ in range(6)]
    barrier = threading.Barrier(len(workers))
    results = {}

    def run(n, worker):
        barrier.wait()
        try:
            amend(worker, n)
            results[n] = "ok"
        except ConcurrentUpdateError:
            results[n] = "concurrent_update"

    threads = [threading.Thread(target=run, args=(n, w)) for n, w in enumerate(workers, start=1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for worker in workers:
        worker.close()
    outcomes_are_consistent(services, results)


def _process_main(database_url, n, start, queue):
    services = build_services(Settings(database_url=database_url))
    start.wait()
    try:
        amend(services, n)
        queue.put((n, "ok"))
    except ConcurrentUpdateError:
        queue.put((n, "concurrent_update"))
    except Exception as error:  # reported to the test
        queue.put((n, f"{type(error).__name__}: {error}"))
    finally:
        services.close()


def test_processes_amending_one_procedure_each_win_or_get_concurrent_update(settings, services):
    services.catalog.record_decision(number="0/QĐ-UBND", issuer="UBND", signed_on=ON, actor="kstt",
                                     entries=[new("1.000001")])
    context = multiprocessing.get_context("spawn")
    start, queue = context.Event(), context.Queue()
    processes = [context.Process(target=_process_main, args=(settings.database_url, n, start, queue))
                 for n in (1, 2)]
    for process in processes:
        process.start()
    start.set()
    results = dict(queue.get(timeout=60) for _ in processes)
    for process in processes:
        process.join(timeout=60)
    outcomes_are_consistent(services, results)
