"""The ``tthc`` command line: one console script, ``--help`` on every command.

A failure exits non-zero with a one-line message on stderr (a traceback only with ``--debug``).
"""

from __future__ import annotations

import functools
import sys

import click

from config.settings import Settings, SettingsError


class CommandError(click.ClickException):
    """A failure reported as one line on stderr with exit code 1."""


def load_settings() -> Settings:
    try:
        return Settings.from_env()
    except SettingsError as error:
        raise CommandError(str(error)) from error


def with_services(func):
    """Pass the services built from settings as the first argument, and close them afterwards."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        from config.services import build_services

        services = build_services(load_settings())
        try:
            return func(services, *args, **kwargs)
        finally:
            services.close()

    return wrapper


@click.group()
@click.option("--debug", is_flag=True, help="Show tracebacks on failure.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """tthc — danh mục thủ tục hành chính và theo dõi hồ sơ."""
    ctx.obj = {"debug": debug}


@cli.command()
@click.option("--host", default=None, help="Interface to listen on (default 127.0.0.1, or TTHC_HOST).")
@click.option("--port", default=None, type=int, help="Port (default 8000, or TTHC_PORT).")
@click.option("--threads", default=8, show_default=True, help="Worker threads of the embedded server.")
@click.option("--scheduler", "with_scheduler", is_flag=True,
              help="Also run the daily digest schedule in this process (single-process set-ups only).")
def serve(host: str | None, port: int | None, threads: int, with_scheduler: bool) -> None:
    """Run the service with waitress, migrating an empty SQLite database first.

    With --scheduler the digest schedule runs in this process too; run it in one process only (never
    under gunicorn workers), or use `tthc scheduler` beside the web service.
    """
    import waitress

    from config import migrate
    from config.app import create_app

    settings = load_settings()
    if settings.is_sqlite:
        migrate.upgrade(settings.database_url)
    elif migrate.is_empty(settings.database_url):
        raise CommandError("The PostgreSQL database has no tables yet: run `tthc db upgrade` first.")
    app = create_app(settings)
    from config.cli_users import ensure_first_admin

    password = ensure_first_admin(app.extensions["tthc"])
    if password:  # printed once, to the console only (never to the log)
        click.echo(f"Tài khoản quản trị đầu tiên: admin — mật khẩu (chỉ hiển thị một lần): {password}")
    if with_scheduler:
        from config.scheduler import start_background

        start_background(app.extensions["tthc"])
    host, port = host or settings.host, port or settings.port
    click.echo(f"tthc listening on http://{host}:{port}/api/health (database: {settings.database_url.split(':')[0]})")
    waitress.serve(app, host=host, port=port, threads=threads)


@cli.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Apply the migrations to TTHC_DATABASE_URL."""
    from config import migrate

    settings = load_settings()
    migrate.upgrade(settings.database_url)
    click.echo("database is at the newest revision")


@cli.group()
def projections() -> None:
    """Read models built from the event log."""


@projections.command("rebuild")
@click.argument("name", required=False)
@with_services
def projections_rebuild(services, name: str | None) -> None:
    """Rebuild read model NAME (all when omitted) from the event log."""
    if name and name not in services.projector.names():
        raise CommandError(f"unknown projection {name!r}; known: {', '.join(services.projector.names())}")
    for projection in [name] if name else services.projector.names():
        applied = services.projector.rebuild(projection)
        click.echo(f"{projection}: rebuilt from {applied} events")


@projections.command("status")
@with_services
def projections_status(services) -> None:
    """Show each read model's position in the event log."""
    for name, status in services.projector.status().items():
        behind = status["head"] - status["position"]
        click.echo(f"{name}: position {status['position']} of {status['head']}" + (f" ({behind} behind)" if behind else ""))


@cli.group()
def catalog() -> None:
    """The TTHC catalog."""


from config import (
    cli_agencies,  # noqa: E402,F401  (registers commands)
    cli_calendar,  # noqa: E402,F401  (registers commands)
    cli_catalog,  # noqa: E402,F401  (registers commands)
    cli_demo,  # noqa: E402,F401  (registers commands)
    cli_digest,  # noqa: E402,F401  (registers commands)
    cli_dossiers,  # noqa: E402,F401  (registers commands)
    cli_users,  # noqa: E402,F401  (registers commands)
)


def main() -> None:
    """Entry point of the ``tthc`` console script."""
    debug = "--debug" in sys.argv[1:]
    try:
        cli.main(standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(1)
    except click.ClickException as error:
        error.show()
        sys.exit(error.exit_code)
    except Exception as error:
        if debug:
            raise
        message = getattr(error, "message", None) or str(error) or error.__class__.__name__
        click.echo(f"error: {message.splitlines()[0]}", err=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
