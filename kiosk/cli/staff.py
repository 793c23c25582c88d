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


def _token_place(session, village_code, township_code, district_code):
    """The place a token command acts for (--township, --district, else the village), and the
    scope it then works in (shop/scope.py): another place's tokens and kiosks are not there."""
    from shop import regions

    if township_code or district_code:
        if township_code:
            place = regions.get_township(session, township_code)
            found = scope.for_region(session, township_id=place.id)
        else:
            place = regions.get_district(session, district_code)
            found = scope.for_region(session, district_id=place.id)
        scope.bind(session, found)
        return place
    village = current_village(session, village_code)
    scope.bind(session, Scope.of([village.id]))
    return village


_PLACE = (
    click.option("--village", "village_code", default=None),
    click.option("--township", "township_code", default=None, help="A township's token."),
    click.option("--district", "district_code", default=None, help="The district's token."),
)


def _place_options(command):
    for option in reversed(_PLACE):
        command = option(command)
    return command


@token_group.command("create")
@click.option(
    "--role", type=click.Choice(staff.TOKEN_ROLES + staff.REGION_TOKEN_ROLES), required=True
)
@click.option("--label", default="")
@click.option(
    "--kiosk", "kiosk_code", default=None, help="Receipts from this token use this kiosk."
)
@_place_options
@with_appcontext
def token_create(role, label, kiosk_code, village_code, township_code, district_code):
    """Print a new bearer token (shown once; only its hash is kept). township_viewer needs
    --township, district_viewer --district: read-only, the region's figures only."""
    region_role = role in staff.REGION_TOKEN_ROLES
    wanted = {"township_viewer": township_code, "district_viewer": district_code}.get(role)
    if region_role and (not wanted or kiosk_code or village_code):
        where = "--township CODE" if role.startswith("township") else "--district CODE"
        raise click.ClickException(f"{role} is a region's token: give {where} (and no village)")
    if not region_role and (township_code or district_code):
        raise click.ClickException(f"{role} is a village's token: give --village CODE")
    with unit_of_work(get_db().writer) as session:
        try:
            place = _token_place(session, village_code, township_code, district_code)
            if region_role:
                _, token = staff.create_region_token(session, place, label=label, actor="cli")
            else:
                # From here the command acts for that village only: another village's kiosk is
                # not there (finding 24), by the same scope as every page (shop/scope.py).
                kiosk = None
                if kiosk_code:
                    kiosk = session.scalar(select(Kiosk).where(Kiosk.code == kiosk_code))
                    if kiosk is None:
                        raise click.ClickException(f"no kiosk {kiosk_code} in {place.code}")
                _, token = staff.create_api_token(
                    session, place, role, label=label, kiosk=kiosk, actor="cli"
                )
        except DomainError as exc:
            raise fail(exc) from exc
    click.echo(token)


@token_group.command("list")
@_place_options
@with_appcontext
def token_list(village_code, township_code, district_code):
    """The village's API tokens, or (--township, --district) the region's: id, role, label,
    kiosk, active or revoked (never the secret)."""
    from shop.staff import accounts

    region = bool(township_code or district_code)
    with unit_of_work(get_db().reader) as session:
        try:
            _token_place(session, village_code, township_code, district_code)
        except DomainError as exc:
            raise fail(exc) from exc
        for t in accounts.list_api_tokens(session, region=region):
            kiosk = session.get(Kiosk, t.kiosk_id).code if t.kiosk_id else "-"
            state = "active" if t.is_active else "revoked"
            click.echo(
                f"{t.id}\t{t.role}\t{t.label or '-'}\t{kiosk}\t{state}\t{t.created_at:%Y-%m-%d}"
            )


@token_group.command("revoke")
@click.argument("token_id", type=int)
@_place_options
@with_appcontext
def token_revoke(token_id: int, village_code, township_code, district_code):
    """Revoke an API token (journaled); it is refused from its next request on."""
    from shop.staff import accounts

    region = bool(township_code or district_code)
    with unit_of_work(get_db().writer) as session:
        try:
            _token_place(session, village_code, township_code, district_code)
            accounts.revoke_api_token(session, token_id, actor="cli", region=region)
        except DomainError as exc:
            raise fail(exc) from exc
    click.echo(f"token {token_id} revoked")


COMMANDS = (staff_group, token_group)
