"""``tthc demo …`` commands: the demonstration province, loaded into an empty instance or written as NDJSON."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

import click
from tqdm import tqdm

from config.cli import CommandError, cli, load_settings, with_services
from config.demo import (
    DEMO_AGENCIES,
    DEMO_DECISION,
    InstanceNotEmptyError,
    demo_period,
    generate_dossiers,
    load_demo,
)

DOSSIERS = click.option("--dossiers", default=2000, show_default=True, type=click.IntRange(min=0),
                        help="How many dossiers to generate.")
SEED = click.option("--seed", default=1, show_default=True, type=int,
                    help="Seed of the generator: the same seed gives the same dossiers.")


@cli.group("demo")
def demo_group() -> None:
    """Dữ liệu mẫu: a demonstration province (Khánh Hòa) with a year of dossiers."""


@demo_group.command("load")
@DOSSIERS
@SEED
@with_services
def demo_load(services, dossiers: int, seed: int) -> None:
    """Fill an empty instance: the demo decision, its agencies and DOSSIERS dossiers received over the last year.

    Refused when the instance already holds dossiers, the demo decision or a demo agency.
    """
    with tqdm(total=dossiers, unit="hồ sơ", desc="importing", file=sys.stderr, disable=None) as bar:
        try:
            summary = load_demo(services, dossiers=dossiers, seed=seed, progress=bar.update)
        except InstanceNotEmptyError as error:
            raise CommandError(error.message) from error
    for error in summary["errors"]:
        click.echo(f"line {error['line']}: {error['reason']}: {error['message']}", err=True)
    counts, period = summary["dossiers"], summary["period"]
    click.echo(f"demo province loaded: decision {summary['decision']['number']} ({summary['procedures']} "
               f"procedures), {summary['agencies']} agencies, dossiers received {period['from']} … {period['to']}: "
               f"imported {counts['imported']}, skipped {counts['skipped']}, failed {counts['failed']}")
    if counts["failed"]:
        raise CommandError(f"{counts['failed']} demo dossier(s) failed to import")


@demo_group.command("generate")
@click.argument("file", type=click.Path(dir_okay=False, writable=True, path_type=Path))
@DOSSIERS
@SEED
def demo_generate(file: Path, dossiers: int, seed: int) -> None:
    """Write FILE.jsonl: DOSSIERS demo dossiers received over the last year, one per line, for
    `tthc dossiers import` (after `tthc demo load --dossiers 0`) and for benchmarks.

    Moments are ISO 8601 with +07:00. The working calendar is the default one (office hours from
    TTHC_OFFICE_HOURS, no local overrides); no database is needed.
    """
    from tracker.calendar import WorkingCalendar

    settings = load_settings()
    calendar = WorkingCalendar(office_hours=settings.office_hours, timezone=settings.timezone)
    now = dt.datetime.now(settings.tz)
    start, end = demo_period(now)
    lines = generate_dossiers(dossiers, seed=seed, procedures=DEMO_DECISION["entries"], agencies=DEMO_AGENCIES,
                              start=start, end=end, calendar=calendar, now=now)
    with file.open("w", encoding="utf-8") as out, tqdm(total=dossiers, unit="hồ sơ", desc="writing",
                                                       file=sys.stderr, disable=None) as bar:
        for body in lines:
            out.write(json.dumps(body, ensure_ascii=False, default=iso) + "\n")
            bar.update()
    click.echo(f"wrote {dossiers} dossiers received {start} … {end} to {file}")


def iso(value: object) -> str:
    """JSON for the moments of a line: ISO 8601 with the offset (``2026-04-15T09:30:00+07:00``)."""
    if isinstance(value, dt.datetime):
        return value.isoformat()
    raise TypeError(f"cannot write {value!r} as JSON")
