"""Read models follow the event log exactly once, and a rebuild gives exactly the incremental rows."""

import threading

from sqlalchemy import func, select

from catalog.read_models import procedure_change_view, procedure_version_view
from config.services import build_services
from tests.integration.catalog_scenario import dump_read_models, new, record_history
from tests.integration.tracker_scenario import (
    dossier_rows,
    receive_dossiers,
    setup_province,
)


def test_a_rebuild_reproduces_the_rows_of_the_incremental_path(services):
    record_history(services.catalog)
    incremental = dump_read_models(services.projector.engine)
    # 1.000001 issued then amended, 1.000002 and 1.000003 issued then ended, 1.000004 and 2.000001 issued;
    # 1.000005 came with the retracted decision only
    assert len(incremental["procedure_version_view"]) == 8
    services.projector.rebuild()
    assert dump_read_models(services.projector.engine) == incremental


def test_a_rebuild_in_small_batches_gives_the_same_rows(services):
    record_history(services.catalog)
    incremental = dump_read_models(services.projector.engine)
    services.projector.batch_size = 2
    services.projector.rebuild()
    assert dump_read_models(services.projector.engine) == incremental


def test_catching_up_again_applies_nothing_twice(services):
    record_history(services.catalog)
    assert services.projector.catch_up() == 0
    status = services.projector.status()
    assert all(s["position"] == s["head"] for s in status.values())
    with services.projector.engine.connect() as conn:
        # entries of decisions 1, 2 and 4 (3 + 3 + 1); the retracted decision 3 counts nothing
        assert conn.scalar(select(func.count()).select_from(procedure_change_view)) == 7


def test_events_written_by_another_process_are_projected_on_the_next_read(settings, services):
    other = build_services(settings)  # another process: its own applications and connections
    other.catalog.followers.clear()  # it does not catch up itself
    other.catalog.record_decision(number="9/QĐ-UBND", issuer="UBND", signed_on=services.catalog.clock().date(),
                                  actor="kstt", entries=[new("9.000001")])
    other.close()
    # decisions sees the Recorded event; procedures sees Registered and Changed; the audit sees all three
    assert services.projector.catch_up() == 6
    with services.projector.engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(procedure_version_view)) == 1


def test_concurrent_catch_ups_apply_each_event_once(settings, services):
    services.catalog.followers.clear()
    for n in range(20):
        services.catalog.record_decision(number=f"{n}/QĐ", issuer="UBND", signed_on=services.catalog.clock().date(),
                                         actor="kstt", entries=[new(f"1.{n:06d}")])
    workers = [build_services(settings) for _ in range(4)]
    for worker in workers:
        worker.projector.batch_size = 3
    errors = []

    def run(worker):
        try:
            worker.projector.catch_up()
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=run, args=(w,)) for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for worker in workers:
        worker.close()
    assert errors == []
    with services.projector.engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(procedure_change_view)) == 20
        assert conn.scalar(select(func.count()).select_from(procedure_version_view)) == 20



def test_projections_of_one_log_at_the_same_position_decode_each_event_once_per_catch_up(settings, services):
    setup_province(services)
    other = build_services(settings)  # another process that records without catching up
    other.tracker.followers.clear()
    receive_dossiers(other.tracker)
    other.close()
    head = services.tracker.recorder.max_notification_id()
    recorder, read = services.tracker.recorder, []
    original = recorder.select_notifications

    def counted(*args, **kwargs):
        notifications = original(*args, **kwargs)
        read.extend(notifications)
        return notifications

    recorder.select_notifications = counted
    services.projector.batch_size = 4
    try:
        applied = services.projector.catch_up()
    finally:
        del recorder.select_notifications
    # the dossier rows and the tracker's audit both read every tracker event; the audit reuses the batches
    # the dossier projection read and decoded, and their rows are those a rebuild gives
    assert applied == 2 * head
    assert len(read) == head
    rows = dossier_rows(services.projector.engine)
    services.projector.rebuild("dossiers")
    assert dossier_rows(services.projector.engine) == rows
