"""``tthc digest`` and ``tthc scheduler``: the near-due digest, now or every working morning."""

from __future__ import annotations

import datetime as dt
import sys

import click

from config.cli import CommandError, cli, load_settings, with_services
from config.cli_catalog import default_actor
from config.digest import run_digest, today
from config.digest_settings import DigestSettings, load_digest_settings
from config.settings import SettingsError

DAY = click.DateTime(formats=["%Y-%m-%d", "%d/%m/%Y"])


def digest_settings(services) -> DigestSettings:
    """The digest file, checked against the agency registry; a problem is a one-line failure."""
    try:
        return load_digest_settings(services.settings, services.agencies)
    except SettingsError as error:
        raise CommandError(str(error)) from error


@cli.command("digest")
@click.option("--date", "day", type=DAY, help="The digest's date, YYYY-MM-DD or DD/MM/YYYY (default: today).")
@click.option("--dry-run", is_flag=True, help="Compose and print the messages; claim and send nothing.")
@click.option("--group", default=None, help="Only this group (a name from the digest file).")
@click.option("--resend", is_flag=True, help="Send again even if already sent (recorded and logged).")
@click.option("--actor", default=default_actor, show_default="the OS user name", help="Who asks for it.")
@with_services
def digest_command(services, day: dt.datetime | None, dry_run: bool, group: str | None, resend: bool,
                   actor: str) -> None:
    """Compose and send the near-due digest of DATE to every configured group.

    Each message goes at most once per (date, group, channel), however often and however many processes
    run this; --resend is the only way to send a second time. Without --date on a day that is not a
    working day, nothing is sent. One line per (group, channel); exit 1 when any send failed or its
    outcome is unknown.
    """
    if dry_run and resend:
        raise CommandError("--dry-run and --resend cannot be used together")
    digest = digest_settings(services)
    on = day.date() if day else today(services)
    if day is None and not services.calendar().is_working_day(on):
        click.echo(f"{on:%d/%m/%Y} is not a working day ({services.calendar().explain(on)}): nothing sent; "
                   "give --date to send anyway")
        return
    try:
        outcomes = run_digest(services, digest, on, actor=actor, group=group, dry_run=dry_run, resend=resend,
                              stream=sys.stdout)
    except SettingsError as error:
        raise CommandError(str(error)) from error
    for outcome in outcomes:
        click.echo(outcome.line)
    bad = [o for o in outcomes if o.state in ("failed", "unknown")]
    if bad:
        raise CommandError(f"{len(bad)} of {len(outcomes)} deliveries of {on:%d/%m/%Y} failed or are unknown")


@cli.command("scheduler")
def scheduler_command() -> None:
    """Run the daily digest schedule in this process, in the foreground, until stopped (Ctrl-C, SIGTERM).

    Fires at the digest file's time (default 07:30, Asia/Ho_Chi_Minh) on the working days of the tracker's
    calendar only (make-up Saturdays included, holidays skipped). Started after that time on a working day,
    it sends that day's digest at once; the claims keep every send to once. Run one per province.
    """
    from config.scheduler import run_blocking

    run_blocking(load_settings())
