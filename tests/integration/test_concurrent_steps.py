"""One-stop officers writing the same dossier at once: one wins, the others get ``concurrent_update``
(or ``duplicate_dossier``), nothing is lost or doubled, and the read models still equal a rebuild.

Races run with threads (each with its own services, or sharing one) and with two spawned processes, on
SQLite and PostgreSQL. To race from the same loaded version, every writer is held just before its save
until all have loaded the dossier and decided, so the store alone decides who wins.
"""

import json
import multiprocessing
import threading
from collections import Counter

from sqlalchemy import func, select, text

from config.services import build_services
from config.settings import Settings
from events.errors import ConcurrentUpdateError
from tests.integration.tracker_scenario import (
    BIRTH,
    LOC_THO,
    NHA_TRANG,
    at,
    dossier_rows,
    setup_province,
)
from tracker.domain import DuplicateDossierError
from tracker.read_models import dossier_view

CODE = "G09.20-261102-0001"
OFFICERS = 6
DESKS = 6  # more desks than a fixed retry limit of five would serve
TIMEOUT = 60


def receive_one(tracker, code=CODE):
    tracker.receive_dossier(code=code, procedure_code=BIRTH, agency=LOC_THO, channel="in_person",
                            received_at=at(2, 9), actor="mot-cua")
    return tracker.log_step(code, {"type": "start_processing", "at": at(2, 10)}, actor="mot-cua")


def apology(n):
    """An apology slip that names officer ``n`` in its note and its new appointment (``n`` hours later)."""
    return {"type": "apologize", "at": at(5, 8), "new_appointment_at": at(10, 7 + n),
            "reason": "Chờ xác minh", "note": f"officer-{n}"}


def hold_saves(tracker, barrier):
    """Make ``tracker`` wait at ``barrier`` before each save: every writer loads and decides first."""
    save = tracker.save

    def held(*objs, **kwargs):
        barrier.wait()
        return save(*objs, **kwargs)

    tracker.save = held


def race(workers, command):
    """Run ``command(n, worker)`` in one thread per worker, all starting together; return
    ``{n: ("ok", its result) | (the refusal's class name, None) | ("<error>: <message>", None)}``."""
    start = threading.Barrier(len(workers), timeout=TIMEOUT)
    results = {}

    def run(n, worker):
        start.wait()
        try:
            results[n] = ("ok", command(n, worker))
        except (ConcurrentUpdateError, DuplicateDossierError) as error:
            results[n] = (type(error).__name__, None)
        except Exception as error:  # reported by the assertions
            results[n] = (f"{type(error).__name__}: {error}", None)

    threads = [threading.Thread(target=run, args=(n, w)) for n, w in enumerate(workers, start=1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(TIMEOUT)
    return results


def tracker_event_count(engine):
    with engine.connect() as conn:
        return conn.scalar(text("SELECT count(*) FROM tracker_events"))


def read_models_equal_a_rebuild(services):
    """The rows the incremental path left are exactly those of a rebuild (and nothing was left to catch up)."""
    assert services.projector.catch_up() == 0
    incremental = dossier_rows(services.projector.engine)
    services.projector.rebuild("dossiers")
    assert dossier_rows(services.projector.engine) == incremental


def one_step_won(services, before, results):
    """Exactly one officer's apology is recorded, once; the others were refused with nothing recorded."""
    outcomes = Counter(outcome for outcome, _ in results.values())
    assert outcomes == {"ok": 1, "ConcurrentUpdateError": len(results) - 1}, results
    [winner] = [n for n, (outcome, _) in results.items() if outcome == "ok"]
    dossier = services.tracker.get_dossier(CODE)
    assert dossier.version == before.version + 1
    assert [(type(s).__name__, s.actor, s.note) for s in dossier.steps[len(before.steps):]] == \
        [("Apologized", f"officer-{winner}", f"officer-{winner}")]
    assert dossier.appointment_at == at(10, 7 + winner)
    with services.projector.engine.connect() as conn:
        row = conn.execute(select(dossier_view).where(dossier_view.c.code == CODE)).mappings().one()
    assert (row["version"], len(row["timeline"])) == (before.version + 1, len(before.steps) + 2)
    assert (row["timeline"][-1]["type"], row["timeline"][-1]["actor"]) == ("apologize", f"officer-{winner}")
    assert row["appointment_at"] == at(10, 7 + winner).isoformat()
    assert tracker_event_count(services.projector.engine) == before.version + 1
    read_models_equal_a_rebuild(services)


def test_officers_with_their_own_services_logging_a_step_at_once_one_wins(settings, services):
    setup_province(services)
    before = receive_one(services.tracker)
    workers = [build_services(settings) for _ in range(OFFICERS)]
    held = threading.Barrier(OFFICERS, timeout=TIMEOUT)
    for worker in workers:
        hold_saves(worker.tracker, held)
    try:
        results = race(workers, lambda n, w: w.tracker.log_step(CODE, apology(n), actor=f"officer-{n}"))
    finally:
        for worker in workers:
            worker.close()
    one_step_won(services, before, results)


def test_officers_sharing_one_tracker_logging_a_step_at_once_one_wins(services):
    setup_province(services)
    before = receive_one(services.tracker)
    hold_saves(services.tracker, threading.Barrier(OFFICERS, timeout=TIMEOUT))
    results = race([services] * OFFICERS,
                   lambda n, w: w.tracker.log_step(CODE, apology(n), actor=f"officer-{n}"))
    del services.tracker.save  # back to the class's save
    one_step_won(services, before, results)


def _log_step_in_process(database_url, n, start, queue):
    services = build_services(Settings(database_url=database_url))
    save = services.tracker.save

    def held(*objs, **kwargs):
        queue.put(("ready", n))  # loaded and decided
        if not start.wait(TIMEOUT):
            raise TimeoutError("the test never said go")
        return save(*objs, **kwargs)

    services.tracker.save = held
    try:
        services.tracker.log_step(CODE, apology(n), actor=f"officer-{n}")
        queue.put(("done", (n, "ok")))
    except ConcurrentUpdateError:
        queue.put(("done", (n, "ConcurrentUpdateError")))
    except Exception as error:  # reported to the test
        queue.put(("done", (n, f"{type(error).__name__}: {error}")))
    finally:
        services.close()


def run_processes(target, args_of, count=2):
    """Start ``count`` spawned processes ``target(*args_of(n), start, queue)``; once each reported
    ``ready``, let them go together; return their ``done`` payloads."""
    context = multiprocessing.get_context("spawn")
    start, queue = context.Event(), context.Queue()
    processes = [context.Process(target=target, args=(*args_of(n), start, queue)) for n in range(1, count + 1)]
    for process in processes:
        process.start()
    try:
        ready = [queue.get(timeout=TIMEOUT) for _ in processes]
        assert [kind for kind, _ in ready] == ["ready"] * count, ready
        start.set()
        done = [queue.get(timeout=TIMEOUT) for _ in processes]
        assert [kind for kind, _ in done] == ["done"] * count, done
        return [payload for _, payload in done]
    finally:
        for process in processes:
            process.join(TIMEOUT)
            if process.is_alive():  # pragma: no cover - only when the test already failed
                process.terminate()


def test_two_processes_logging_a_step_at_once_one_wins(settings, services):
    setup_province(services)
    before = receive_one(services.tracker)
    done = run_processes(_log_step_in_process, lambda n: (settings.database_url, n))
    one_step_won(services, before, {n: (outcome, None) for n, outcome in done})


def test_desks_receiving_the_same_code_at_once_record_one_dossier(settings, services):
    setup_province(services)
    workers = [build_services(settings) for _ in range(OFFICERS)]
    held = threading.Barrier(OFFICERS, timeout=TIMEOUT)
    for worker in workers:
        hold_saves(worker.tracker, held)  # every desk checked that the code is free before any saves

    def receive(n, worker):
        return worker.tracker.receive_dossier(code=CODE, procedure_code=BIRTH, agency=LOC_THO, channel="in_person",
                                              received_at=at(2, 9), actor=f"desk-{n}").code

    try:
        results = race(workers, receive)
    finally:
        for worker in workers:
            worker.close()
    outcomes = Counter(outcome for outcome, _ in results.values())
    assert outcomes == {"ok": 1, "DuplicateDossierError": OFFICERS - 1}, results
    [winner] = [n for n, (outcome, _) in results.items() if outcome == "ok"]
    dossier = services.tracker.get_dossier(CODE)
    assert (dossier.version, dossier.received_by) == (1, f"desk-{winner}")
    assert tracker_event_count(services.projector.engine) == 1
    with services.projector.engine.connect() as conn:
        rows = conn.execute(select(dossier_view.c.code, dossier_view.c.timeline)).all()
    assert [(code, [entry["actor"] for entry in timeline]) for code, timeline in rows] == [(CODE, [f"desk-{winner}"])]
    read_models_equal_a_rebuild(services)


def receive_without_code(n, worker):
    return worker.tracker.receive_dossier(procedure_code=BIRTH, agency=NHA_TRANG, channel="in_person",
                                          received_at=at(10, 8, n), actor=f"desk-{n}").code


def numbered_consecutively(services, results, desks):
    assert Counter(outcome for outcome, _ in results.values()) == {"ok": desks}, results
    codes = sorted(code for _, code in results.values())
    assert codes == [f"G09.21-20261110-{n:05d}" for n in range(1, desks + 1)]
    assert tracker_event_count(services.projector.engine) == desks
    with services.projector.engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(dossier_view)) == desks
    read_models_equal_a_rebuild(services)


def test_desks_receiving_without_a_code_at_once_get_consecutive_numbers(settings, services):
    # each number a desk loses is won by another desk, so every desk gets one
    desks = DESKS
    setup_province(services)
    workers = [build_services(settings) for _ in range(desks)]
    try:
        results = race(workers, receive_without_code)
    finally:
        for worker in workers:
            worker.close()
    numbered_consecutively(services, results, desks)


def test_six_desks_receiving_without_a_code_in_lockstep_all_get_consecutive_numbers(settings, services):
    desks = DESKS
    setup_province(services)
    workers = [build_services(settings) for _ in range(desks)]
    # attempt r of every desk still without a number waits for the others: each round, all of them try
    # the same number and exactly one wins it
    rounds = [threading.Barrier(desks - r, timeout=TIMEOUT) for r in range(desks)]
    for worker in workers:
        save, attempts = worker.tracker.save, []

        def in_lockstep(*objs, _save=save, _attempts=attempts, **kwargs):
            _attempts.append(1)
            rounds[len(_attempts) - 1].wait()
            return _save(*objs, **kwargs)

        worker.tracker.save = in_lockstep
    try:
        results = race(workers, receive_without_code)
    finally:
        for worker in workers:
            worker.close()
    numbered_consecutively(services, results, desks)


# -- bulk import from two processes --------------------------------------------------------------------

IMPORT_LINES = 24


def import_lines():
    """NDJSON lines: half with a code, half without (their code comes from their content); every third
    dossier resolved, every fourth with a supplement asked for."""
    lines = []
    for n in range(IMPORT_LINES):
        day = 2 + n % 5
        body = {"procedure_code": BIRTH, "agency": [LOC_THO, NHA_TRANG][n % 2], "channel": "online",
                "received_at": at(day, 8, n).isoformat(), "applicant": {"name": f"Công dân {n}"},
                "steps": [{"type": "start_processing", "at": at(day, 9, n).isoformat()}]}
        if n % 2 == 0:
            body["code"] = f"IMP-{n:03d}"
        if n % 3 == 0:
            body["steps"].append({"type": "resolve", "at": at(day, 15, n).isoformat()})
        elif n % 4 == 1:
            body["steps"].append({"type": "request_supplement", "at": at(day, 14).isoformat(), "reason": "Thiếu"})
        lines.append(json.dumps(body, ensure_ascii=False))
    return lines


def imported_events():
    """How many events the lines make: a receipt and its steps each."""
    return sum(1 + len(json.loads(line)["steps"]) for line in import_lines())


def _import_in_process(database_url, n, chunk, start, queue):
    import tracker.application
    from tracker.schemas import read_import_lines

    tracker.application.IMPORT_CHUNK = chunk  # several chunks, so the two imports interleave
    services = build_services(Settings(database_url=database_url))
    try:
        services.tracker.calendar()  # warm up before the start
        queue.put(("ready", n))
        start.wait(TIMEOUT)
        report = services.tracker.import_dossiers(read_import_lines(import_lines()), actor=f"import-{n}")
        queue.put(("done", (n, report.imported, report.skipped, report.failed, report.errors)))
    except Exception as error:  # reported to the test
        queue.put(("done", (n, f"{type(error).__name__}: {error}")))
    finally:
        services.close()


def test_two_processes_importing_the_same_lines_record_each_dossier_once(settings, services):
    setup_province(services)
    done = run_processes(_import_in_process, lambda n: (settings.database_url, n, 5))
    assert all(len(payload) == 5 for payload in done), done
    assert [(failed, errors) for _, _, _, failed, errors in done] == [(0, [])] * 2
    assert sum(imported for _, imported, _, _, _ in done) == IMPORT_LINES
    assert sum(skipped for _, _, skipped, _, _ in done) == IMPORT_LINES
    assert all(imported + skipped == IMPORT_LINES for _, imported, skipped, _, _ in done)
    engine = services.projector.engine
    assert tracker_event_count(engine) == imported_events()
    with engine.connect() as conn:
        assert conn.scalar(text("SELECT count(DISTINCT originator_id) FROM tracker_events")) == IMPORT_LINES
        assert conn.scalar(select(func.count()).select_from(dossier_view)) == IMPORT_LINES
        states = Counter(conn.execute(select(dossier_view.c.state)).scalars())
    assert states == {"resolved": 8, "awaiting_supplement": 4, "processing": 12}
    read_models_equal_a_rebuild(services)


def test_an_import_whose_chunk_meets_another_import_saves_the_rest_of_the_chunk(settings, services):
    setup_province(services)
    from tracker.schemas import read_import_lines

    lines = import_lines()[:4]
    other = build_services(settings)
    save, saves = services.tracker.save, []

    def first_another_import_saves_line_1(*objs, **kwargs):
        if not saves:  # the chunk: another import wins line 1 between our check and our save
            assert other.tracker.import_dossiers(read_import_lines(lines[:1]), actor="import-2").imported == 1
        saves.append(len(objs))
        return save(*objs, **kwargs)

    services.tracker.save = first_another_import_saves_line_1
    try:
        report = services.tracker.import_dossiers(read_import_lines(lines), actor="import-1")
    finally:
        del services.tracker.save
        other.close()
    assert (report.imported, report.skipped, report.failed) == (3, 1, 0)
    assert len(saves) == 5  # the chunk, then each line alone
    assert tracker_event_count(services.projector.engine) == sum(1 + len(json.loads(line)["steps"]) for line in lines)
    with services.projector.engine.connect() as conn:
        actors = sorted(timeline[0]["actor"] for timeline in conn.execute(select(dossier_view.c.timeline)).scalars())
    assert actors == ["import-1", "import-1", "import-1", "import-2"]
    read_models_equal_a_rebuild(services)
