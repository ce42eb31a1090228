"""``tthc calendar …`` commands: the local overrides of the working-day calendar and a year's listing."""

from __future__ import annotations

import contextlib
import datetime as dt

import click
from sqlalchemy import create_engine, inspect

from config.cli import CommandError, cli, load_settings
from config.cli_catalog import default_actor
from tracker.calendar import DAY_OFF, WEEKDAY_NAMES, WORKING_DAY, CalendarError
from tracker.calendar_store import add_override, calendar_override, load_calendar

DAY = click.DateTime(formats=["%Y-%m-%d", "%d/%m/%Y"])


@cli.group("calendar")
def calendar_group() -> None:
    """Working-day calendar: public holidays, make-up days and local overrides."""


@contextlib.contextmanager
def override_table():
    """Yield an engine on TTHC_DATABASE_URL whose database has the override table; dispose of it after."""
    engine = create_engine(load_settings().database_url)
    try:
        if not inspect(engine).has_table(calendar_override.name):
            raise CommandError("the database has no calendar_override table: run `tthc db upgrade` first")
        yield engine
    finally:
        engine.dispose()


def record(day: dt.datetime, kind: str, source: str, actor: str) -> None:
    with override_table() as engine:
        try:
            done = add_override(engine, day.date(), kind, source, actor=actor)
        except CalendarError as error:
            raise CommandError(error.message) from error
    line = f"recorded {kind} {line_of(done.override.day, done.override.source)}"
    if done.replaced:
        line += f" (replaces {done.replaced.kind}: {done.replaced.source})"
    click.echo(line)


def line_of(day: dt.date, text: str) -> str:
    return f"{day:%d/%m/%Y} ({WEEKDAY_NAMES[day.weekday()]}): {text}"


SOURCE = click.option("--source", required=True, help="The notice that decides it, e.g. 'Thông báo 12/TB-UBND'.")
ACTOR = click.option("--actor", default=default_actor, show_default="the OS user name", help="Who records it.")


@calendar_group.command("add-day-off")
@click.argument("day", metavar="DATE", type=DAY)
@SOURCE
@ACTOR
def add_day_off(day: dt.datetime, source: str, actor: str) -> None:
    """Make DATE a day off (local override with its source notice).

    DATE is YYYY-MM-DD or DD/MM/YYYY. An earlier override of DATE is replaced. Refused when DATE is
    already a day off (a holiday, a Saturday or Sunday, an override).
    """
    record(day, DAY_OFF, source, actor)


@calendar_group.command("add-working-day")
@click.argument("day", metavar="DATE", type=DAY)
@SOURCE
@ACTOR
def add_working_day(day: dt.datetime, source: str, actor: str) -> None:
    """Make DATE a working day, e.g. a make-up Saturday (local override with its source notice).

    DATE is YYYY-MM-DD or DD/MM/YYYY. An earlier override of DATE is replaced. Refused when DATE is
    already a working day (a normal weekday, a make-up day, an override).
    """
    record(day, WORKING_DAY, source, actor)


@calendar_group.command("list")
@click.option("--year", type=int, help="The year to list (default: the current year).")
def calendar_list(year: int | None) -> None:
    """List a year's holidays, make-up days and local overrides.

    One line per entry: DD/MM/YYYY, weekday, kind and name. Kinds: holiday and make_up_day come from
    the holidays package; day_off and working_day are local overrides, which win over the package.
    The name is the holiday's or the override's source notice.
    """
    settings = load_settings()
    year = year or dt.datetime.now(settings.tz).year
    with override_table() as engine:
        calendar = load_calendar(engine, office_hours=settings.office_hours, timezone=settings.timezone)
    for entry in calendar.special_days(year):
        weekday = WEEKDAY_NAMES[entry.day.weekday()]
        click.echo(f"{entry.day:%d/%m/%Y}  {weekday:<8}  {entry.kind:<11}  {entry.name}")
