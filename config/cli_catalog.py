"""``tthc catalog …`` commands: the import of the national TTHC database's exports."""

from __future__ import annotations

import datetime as dt
import getpass
import sys
from pathlib import Path

import click
from tqdm import tqdm

from catalog.domain import AUTHORITIES, LEVELS, CatalogError, DecisionRefusedError
from catalog.importer import ImportFileError, ImportRow, entries_for, read_export
from config.cli import CommandError, catalog, load_settings

REFUSALS_SHOWN = 10  # per-entry refusals printed before "… and N more"


def default_actor() -> str:
    """Return the OS user name, or ``cli`` when it cannot be told."""
    try:
        return getpass.getuser()
    except Exception:  # no user name in the environment nor the password database
        return "cli"


def progress_bar(rows, total):
    """Wrap the rows being read with a progress bar on stderr (a TTY only; shown after half a second)."""
    return tqdm(rows, total=total, desc="reading rows", unit="row", file=sys.stderr, disable=None,
                delay=0.5, leave=False)


DATE = click.DateTime(formats=["%Y-%m-%d"])


@catalog.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--decision", "number", required=True, help="Số quyết định công bố, e.g. 1001/QĐ-UBND.")
@click.option("--issuer", required=True, help="Who signed the decision, e.g. 'UBND tỉnh Quảng Nam'.")
@click.option("--signed-on", required=True, type=DATE, help="Signing date, YYYY-MM-DD.")
@click.option("--effective-on", type=DATE, help="Effective date, YYYY-MM-DD (default: the signing date).")
@click.option("--authority", type=click.Choice(AUTHORITIES),
              help="Authority for rows whose Cơ quan ban hành does not tell it.")
@click.option("--level", "levels", multiple=True, type=click.Choice(LEVELS),
              help="Level for rows whose Cơ quan thực hiện does not tell it (repeat for several).")
@click.option("--field", help="Lĩnh vực for rows that leave it blank.")
@click.option("--actor", default=default_actor, show_default="the OS user name", help="Who records it.")
def catalog_import(file: Path, number: str, issuer: str, signed_on: dt.datetime, effective_on: dt.datetime | None,
                   authority: str | None, levels: tuple[str, ...], field: str | None, actor: str) -> None:
    """Record FILE, a national "DANH SÁCH THỦ TỤC HÀNH CHÍNH" export (xlsx or CSV), as one decision.

    Every row becomes a 'new' entry (a baseline). Authority and levels come from the file's Cơ quan
    ban hành and Cơ quan thực hiện; the options fill in rows where the file does not tell. A file with
    any bad row records nothing: each bad row is listed as 'line N: message'.
    """
    from config.services import build_services

    try:
        rows = read_export(file, progress=progress_bar)
        entries = entries_for(rows, authority=authority, levels=levels, field=field)
    except ImportFileError as error:
        raise import_failure(file, error) from error
    services = build_services(load_settings())
    try:
        services.catalog.record_decision(
            number=number, issuer=issuer, signed_on=signed_on.date(),
            effective_on=effective_on.date() if effective_on else None, entries=entries, actor=actor,
        )
    except DecisionRefusedError as error:
        raise refusal_failure(rows, error) from error
    except CatalogError as error:
        raise CommandError(error.message) from error
    finally:
        services.close()
    click.echo(f"recorded decision {number}: {len(entries)} procedures")


def import_failure(file: Path, error: ImportFileError) -> CommandError:
    """Print every bad row on stderr and return the one-line failure to raise."""
    if not error.bad_rows:
        return CommandError(error.message)
    for row in error.bad_rows:
        click.echo(f"line {row.line}: {row.message}", err=True)
    return CommandError(f"{file.name}: {len(error.bad_rows)} bad rows, nothing recorded "
                        "(--authority, --level and --field fill in what the file does not tell)")


def refusal_failure(rows: list[ImportRow], error: DecisionRefusedError) -> CommandError:
    """Print the first per-entry refusals (with their lines) on stderr and return the failure to raise."""
    refused = error.errors["entries"]
    for index in sorted(refused)[:REFUSALS_SHOWN]:
        click.echo(f"line {rows[index].line}: {refused[index]['message']}", err=True)
    if len(refused) > REFUSALS_SHOWN:
        click.echo(f"… and {len(refused) - REFUSALS_SHOWN} more", err=True)
    return CommandError(f"decision refused ({error.reason}): {len(refused)} of {len(rows)} procedures, "
                        "nothing recorded")
