"""`tthc projections rebuild` on a store of more than 50,000 catalog events reproduces the read models."""

import pytest
from click.testing import CliRunner

from config.cli import cli
from tests.integration.catalog_scenario import dump_read_models
from tests.integration.large_catalog import record_large_history


@pytest.mark.slow
def test_rebuild_of_fifty_thousand_events_reproduces_every_row(services, settings, monkeypatch):
    services.catalog.followers.clear()  # record fast, then project incrementally in batches
    record_large_history(services.catalog)
    head = services.catalog.recorder.max_notification_id()
    assert head >= 50_000
    services.projector.catch_up()
    incremental = dump_read_models(services.projector.engine)
    assert len(incremental["procedure_change_view"]) == 20_000 + 10_000 + 100
    monkeypatch.setenv("TTHC_DATABASE_URL", settings.database_url)
    result = CliRunner().invoke(cli, ["projections", "rebuild"])
    assert result.exit_code == 0, result.output
    assert "procedures: rebuilt from" in result.output
    assert dump_read_models(services.projector.engine) == incremental
