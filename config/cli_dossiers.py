"""``tthc dossiers …`` commands: the bulk import of dossiers from a province's former one-stop software."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from tqdm import tqdm

from config.cli import CommandError, cli, with_services
from config.cli_catalog import default_actor

MAX_ERRORS_SHOWN = 50


@cli.group("dossiers")
def dossiers_group() -> None:
    """Hồ sơ: bulk import."""


@dossiers_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--actor", default=None, help="Who is recorded as importing (default: the OS user).")
@with_services
def import_dossiers(services, file: Path, actor: str | None) -> None:
    """Import FILE.jsonl: one dossier per line, the body of POST /api/dossiers plus "steps".

    Each line is applied whole or not at all; a line whose code exists is skipped, so a second run of the
    same file imports nothing. Failed lines are listed with their numbers; the exit code is 1 if any failed.
    """
    from tracker.schemas import read_import_lines

    with file.open("rb") as counting:
        total = sum(1 for line in counting if line.strip())
    with file.open("rb") as stream, tqdm(total=total, unit="hồ sơ", desc="importing", file=sys.stderr,
                                         disable=None) as bar:
        report = services.tracker.import_dossiers(read_import_lines(stream), actor=actor or default_actor(),
                                                  progress=bar.update)
    for error in report.errors[:MAX_ERRORS_SHOWN]:
        click.echo(f"line {error['line']}: {error['reason']}: {error['message']}", err=True)
    if len(report.errors) > MAX_ERRORS_SHOWN:
        click.echo(f"… and {len(report.errors) - MAX_ERRORS_SHOWN} more failed lines", err=True)
    click.echo(f"imported {report.imported}, skipped {report.skipped}, failed {report.failed}")
    if report.failed:
        raise CommandError(f"{report.failed} line(s) failed; the others were imported")
