"""``tthc users …`` and ``tthc tokens …``: accounts, roles, agencies, passwords and API tokens.

Run by operators with access to the database, so they need no sign-in; every change is written to the
access log with ``--actor``. A generated password or a token is printed once, alone on the last line.
"""

from __future__ import annotations

import functools

import click

from access.accounts import Account, generated_password
from access.errors import AccessError
from access.roles import ROLES
from config.cli import CommandError, cli, with_services

ACTOR = click.option("--actor", default="cli", show_default=True, help="Who records it (the access log).")
ROLE = click.option("--role", "roles", multiple=True, type=click.Choice(ROLES), help="A role (repeatable).")
AGENCY = click.option("--agency", "agencies", multiple=True,
                      help="An agency code, or '*' for every agency (repeatable).")


def describe(account: Account) -> str:
    lock = f", khóa đến {account.locked_until:%Y-%m-%d %H:%M} UTC" if account.locked_until else ""
    failures = f", {account.failures} lần sai" if account.failures else ""
    return (f"{account.name}: vai trò {', '.join(account.roles) or '—'}; đơn vị {', '.join(account.agencies) or '—'}"
            f"{failures}{lock}")


def refused(func):
    """Turn an access refusal into a one-line failure (``reason``, message and field errors)."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except AccessError as error:
            details = "; ".join(f"{key}: {' '.join(map(str, value))}" for key, value in error.errors.items())
            raise CommandError(f"{error.reason}: {error.message}" + (f" ({details})" if details else "")) from error

    return wrapper


@cli.group("users")
def users() -> None:
    """Tài khoản: create, grant, revoke, set-password, unlock, list."""


@users.command("create")
@click.argument("name")
@ROLE
@AGENCY
@click.option("--password", default=None, help="The password (omitted: one is generated and printed once).")
@ACTOR
@with_services
@refused
def create_user(services, name: str, roles, agencies, password: str | None, actor: str) -> None:
    """Create account NAME with --role (at least one) and --agency; a generated password is the last line."""
    secret = password or generated_password()
    account = services.accounts.create(name, roles=roles, agencies=agencies, password=secret, actor=actor)
    click.echo(f"đã tạo {describe(account)}")
    if password is None:
        click.echo("mật khẩu (chỉ hiển thị một lần):")
        click.echo(secret)


@users.command("set-password")
@click.argument("name")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True, help="The new password.")
@ACTOR
@with_services
@refused
def set_password(services, name: str, password: str, actor: str) -> None:
    """Set the password of NAME (its sessions end; a sign-in lock is lifted)."""
    services.accounts.set_password(name, password, actor=actor)
    click.echo(f"đã đặt mật khẩu cho {name}")


@users.command("grant")
@click.argument("name")
@ROLE
@AGENCY
@ACTOR
@with_services
@refused
def grant(services, name: str, roles, agencies, actor: str) -> None:
    """Give NAME roles (--role) and agencies (--agency)."""
    click.echo(describe(services.accounts.grant(name, roles=roles, agencies=agencies, actor=actor)))


@users.command("revoke")
@click.argument("name")
@ROLE
@AGENCY
@ACTOR
@with_services
@refused
def revoke(services, name: str, roles, agencies, actor: str) -> None:
    """Take roles (--role) and agencies (--agency) from NAME."""
    click.echo(describe(services.accounts.revoke(name, roles=roles, agencies=agencies, actor=actor)))


@users.command("unlock")
@click.argument("name")
@ACTOR
@with_services
@refused
def unlock(services, name: str, actor: str) -> None:
    """Lift the sign-in lock of NAME and forget its failed sign-ins."""
    click.echo(describe(services.accounts.unlock(name, actor=actor)))


@users.command("list")
@with_services
def list_users(services) -> None:
    """List accounts with roles, agencies, failed sign-ins and locks."""
    for account in services.accounts.list():
        click.echo(describe(account))


@cli.group("tokens")
def tokens() -> None:
    """Mã truy cập (API tokens) for programs."""


@tokens.command("create")
@click.argument("name")
@click.option("--expires", "days", type=click.IntRange(1, 3650), default=None,
              help="Valid for DAYS days (default: until revoked).")
@click.option("--label", default="cli", show_default=True, help="What the token is for.")
@ACTOR
@with_services
@refused
def create_token(services, name: str, days: int | None, label: str, actor: str) -> None:
    """Create a token for account NAME; the token alone is the last line (shown once, stored hashed)."""
    issued = services.tokens.create(name.strip().lower(), label=label, expires_in_days=days, actor=actor)
    until = f"hết hạn {issued.token.expires_at:%Y-%m-%d %H:%M} UTC" if issued.token.expires_at else "không hết hạn"
    click.echo(f"mã truy cập #{issued.token.id} cho {issued.token.account} ({until}); chỉ hiển thị một lần:")
    click.echo(issued.secret)


@tokens.command("revoke")
@click.argument("token_id", type=int)
@ACTOR
@with_services
@refused
def revoke_token(services, token_id: int, actor: str) -> None:
    """Revoke token TOKEN_ID (its number, as `tokens create` printed it)."""
    token = services.tokens.revoke(token_id, actor=actor)
    click.echo(f"đã thu hồi mã truy cập #{token.id} của {token.account}")


def ensure_first_admin(services) -> str | None:
    """On an empty accounts table create ``admin`` (role admin) and return its generated password, else None."""
    if services.accounts.count():
        return None
    password = generated_password()
    services.accounts.create("admin", roles=["admin"], password=password, actor="first-run")
    return password
