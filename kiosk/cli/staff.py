"""Staff accounts and API tokens: `kiosk staff add|unlock|password|badge`, `kiosk token
create|list|revoke`."""

from __future__ import annotations

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from kiosk.cli.common import current_village, fail
from kiosk.db import get_db
from shop import scope, staff
from shop.db import unit_of_work
from shop.errors import DomainError
from shop.models import Kiosk, StaffUser
from shop.scope import Scope


@click.group("staff")
def staff_group():
    """Staff users of the back-office."""


@staff_group.command("add")
@click.argument("username")
@click.option("--role", type=click.Choice(staff.ROLES + staff.REGION_ROLES), required=True)
@click.option("--name", "display_name", default="")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--pin", default=None, help="4-8 digits, for badge sign-in at the kiosk.")
@click.option("--village", "village_code", default=None)
@click.option("--township", "township_code", default=None, help="For township_* roles.")
@click.option("--district", "district_code", default=None, help="For district_* roles.")
@with_appcontext
def staff_add(
    username, role, display_name, password, pin, village_code, township_code, district_code
):
    from shop import regions

    with unit_of_work(get_db().writer) as session:
        try:
            place = {}
            if role.startswith("township"):
                place["township"] = regions.get_township(session, township_code or "")
            elif role.startswith("district"):
                place["district"] = regions.get_district(session, district_code or "")
            else:
                place["village"] = current_village(session, village_code)
            staff.create_staff(
                session,
                username,
                role,
                password,
                **place,
                display_name=display_name,
                pin=pin,
                actor="cli",
            )
        except DomainError as exc:
            raise fail(exc) from exc
    click.echo(f"staff user {username} ({role}) added")


@staff_group.command("unlock")
@click.argument("username")
@with_appcontext
def staff_unlock(username: str):
    """Unlock a staff user after five wrong passwords (also when every admin is locked out)."""
    from shop.staff import accounts

    with unit_of_work(get_db().writer) as session:
        user = session.scalar(select(StaffUser).where(StaffUser.username == username))
        if user is None:
            raise click.ClickException(f"no staff user {username}")
        accounts.unlock_staff(session, user, actor="cli")
    click.echo(f"{username} unlocked")


@staff_group.command("password")
@click.argument("username")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@with_appcontext
def staff_password(username: str, password: str):
    """Reset a staff member's password (ends their sessions, unlocks the account; journaled)."""
    from shop.staff import accounts

    with unit_of_work(get_db().writer) as session:
        user = session.scalar(select(StaffUser).where(StaffUser.username == username))
        if user is None:
            raise click.ClickException(f"no staff user {username}")
        try:
            accounts.set_password(session, user, password, actor="cli")
        except DomainError as exc:
            raise fail(exc) from exc
    click.echo(f"password of {username} reset")


@staff_group.command("badge")
@click.argument("username")
@click.option(
    "--pin", required=True, help="4-8 digits, typed on the kiosk's keypad after the scan."
)
@with_appcontext
def staff_badge(username: str, pin: str):
    """Issue a staff badge (JB1 code, printed once) with its PIN."""
    from shop.staff import accounts

    with unit_of_work(get_db().writer) as session:
        user = session.scalar(select(StaffUser).where(StaffUser.username == username))
        if user is None:
            raise click.ClickException(f"no staff user {username}")
        try:
            code = accounts.issue_badge(session, user, actor="cli", pin=pin)
        except DomainError as exc:
            raise fail(exc) from exc
    click.echo(code)


@click.group("token")
def token_group():
    """API tokens for other front-ends and the district's points platform."""


@token_group.command("create")
@click.option("--role", type=click.Choice(staff.TOKEN_ROLES), required=True)
@click.option("--label", default="")
@click.option(
    "--kiosk", "kiosk_code", default=None, help="Receipts from this token use this kiosk."
)
@click.option("--village", "village_code", default=None)
@with_appcontext
def token_create(role, label, kiosk_code, village_code):
    """Print a new bearer token (shown once; only its hash is kept)."""
    with unit_of_work(get_db().writer) as session:
        village = current_village(session, village_code)
        # From here the command acts for that village only: another village's kiosk is not
        # there (finding 24), by the same scope as every page (shop/scope.py).
        scope.bind(session, Scope.of([village.id]))
        kiosk = None
        if kiosk_code:
            kiosk = session.scalar(select(Kiosk).where(Kiosk.code == kiosk_code))
            if kiosk is None:
                raise click.ClickException(f"no kiosk {kiosk_code} in {village.code}")
        try:
            _, token = staff.create_api_token(
                session, village, role, label=label, kiosk=kiosk, actor="cli"
            )
        except DomainError as exc:
            raise fail(exc) from exc
    click.echo(token)


@token_group.command("list")
@click.option("--village", "village_code", default=None)
@with_appcontext
def token_list(village_code):
    """The village's API tokens: id, role, label, kiosk, active or revoked (never the secret)."""
    from shop.staff import accounts

    with unit_of_work(get_db().reader) as session:
        village = current_village(session, village_code)
        scope.bind(session, Scope.of([village.id]))
        for t in accounts.list_api_tokens(session):
            kiosk = session.get(Kiosk, t.kiosk_id).code if t.kiosk_id else "-"
            state = "active" if t.is_active else "revoked"
            click.echo(
                f"{t.id}\t{t.role}\t{t.label or '-'}\t{kiosk}\t{state}\t{t.created_at:%Y-%m-%d}"
            )


@token_group.command("revoke")
@click.argument("token_id", type=int)
@click.option("--village", "village_code", default=None)
@with_appcontext
def token_revoke(token_id: int, village_code):
    """Revoke an API token (journaled); it is refused from its next request on."""
    from shop.staff import accounts

    with unit_of_work(get_db().writer) as session:
        village = current_village(session, village_code)
        scope.bind(session, Scope.of([village.id]))
        try:
            accounts.revoke_api_token(session, token_id, actor="cli")
        except DomainError as exc:
            raise fail(exc) from exc
    click.echo(f"token {token_id} revoked")


COMMANDS = (staff_group, token_group)
