"""Going live from the command line: `kiosk setup` (the first run), `kiosk village …` and
`kiosk device …` for scripted installs. The same services as the first-run page (shop.regions)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from kiosk.cli.common import current_village, fail
from kiosk.db import get_db
from shop import regions
from shop.db import unit_of_work
from shop.errors import DomainError
from shop.points import district_catalog
from shop.regions import setup as village_setup


def _split(text: str) -> list[str]:
    return [part for part in text.replace("，", ",").replace("、", ",").split(",") if part.strip()]


@click.command("setup")
@click.option("--village-code", prompt="Village code (letters, digits, dashes; e.g. NK-GJG)")
@click.option("--village-name", prompt="Village name (村名)")
@click.option("--county", default="", prompt="County or district (县/区)", show_default=False)
@click.option("--township", default="", prompt="Township (镇/乡)", show_default=False)
@click.option(
    "--groups",
    default="",
    prompt="Villager groups, separated by commas (村民小组)",
    show_default=False,
)
@click.option("--device", "device_codes", multiple=True, help="Kiosk device code (repeatable).")
@click.option("--prefix", "prefixes", multiple=True, help="Receipt prefix for each --device.")
@click.option("--admin", "admin_username", prompt="First admin's username")
@click.option("--admin-name", default="", prompt="First admin's name", show_default=False)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@with_appcontext
def setup_command(
    village_code,
    village_name,
    county,
    township,
    groups,
    device_codes,
    prefixes,
    admin_username,
    admin_name,
    password,
):
    """First run: open the village, its groups, kiosks and first admin on an empty database."""
    from flask import current_app

    codes = list(device_codes) or [current_app.config["DEVICE"]]
    plan = village_setup.FirstRun(
        village_code=village_code,
        village_name=village_name,
        county=county,
        township=township,
        groups=tuple(_split(groups)),
        kiosks=tuple(
            village_setup.KioskPlan(
                code=code, receipt_prefix=prefixes[i] if i < len(prefixes) else None
            )
            for i, code in enumerate(codes)
        ),
        admin_username=admin_username,
        admin_name=admin_name,
        admin_password=password,
    )
    with unit_of_work(get_db().writer) as session:
        try:
            village = village_setup.first_run(session, plan, actor="cli")
        except DomainError as exc:
            raise fail(exc) from exc
        kiosks = ", ".join(k.code for k in regions.list_kiosks(session, village.id))
        click.echo(f"village {village.code} {village.name} opened; kiosks {kiosks}")
    click.echo(f"sign in at /backoffice/ as {admin_username}")


@click.group("village")
def village_group():
    """Villages (村)."""


@village_group.command("create")
@click.argument("code")
@click.argument("name")
@click.option("--county", default="")
@click.option("--township", default="")
@click.option(
    "--in", "township_code", default=None, help="The township's code (kiosk region list)."
)
@click.option("--groups", default="", help="Villager groups, separated by commas.")
@with_appcontext
def village_create(code, name, county, township, township_code, groups):
    """Open another village (its kiosks: `kiosk device add`; its admin: `kiosk staff add`),
    in the township `--in CODE`, or the one named by --county and --township."""
    with unit_of_work(get_db().writer) as session:
        try:
            region = regions.get_township(session, township_code) if township_code else None
            village = regions.create_village(
                session,
                code,
                name,
                county=county,
                township=township,
                region=region,
                groups=_split(groups),
            )
            # The district's catalogue of rules, every item switched on (the web's 开通乡村
            # lets the admin untick some; here the village switches them off afterwards).
            taken = district_catalog.take_district_rules(session, village, actor="cli")
        except DomainError as exc:
            raise fail(exc) from exc
    click.echo(f"village {village.code} {village.name} created")
    if taken:
        click.echo(f"with the district's {taken} points items")


@village_group.command("list")
@with_appcontext
def village_list():
    """Every village: code, name, county, township, groups, kiosks; the demo is marked."""
    with unit_of_work(get_db().reader) as session:
        villages = regions.list_villages(session)
        if not villages:
            click.echo("no village yet: run `kiosk setup` or open /backoffice/")
        for v in villages:
            groups = "、".join(regions.village_groups(session, v.id)) or "-"
            kiosks = " ".join(k.code for k in regions.list_kiosks(session, v.id)) or "-"
            demo = "  [演示 demo]" if v.is_demo else ""
            click.echo(
                f"{v.code}\t{v.name}\t{v.county or '-'}\t{v.township or '-'}"
                f"\tgroups: {groups}\tkiosks: {kiosks}{demo}"
            )


@village_group.command("rename")
@click.argument("code")
@click.argument("name")
@click.option("--county", default=None)
@click.option("--township", default=None)
@with_appcontext
def village_rename(code, name, county, township):
    """Change a village's name (and county or township); its code stays."""
    with unit_of_work(get_db().writer) as session:
        try:
            village = regions.get_village(session, code)
            regions.rename_village(
                session, village, name, county=county, township=township, actor="cli"
            )
        except DomainError as exc:
            raise fail(exc) from exc
    click.echo(f"village {code} is now {name}")


@village_group.command("move")
@click.argument("code")
@click.argument("township_code")
@with_appcontext
def village_move(code, township_code):
    """Place a village under another township (its code: `kiosk region list`)."""
    with unit_of_work(get_db().writer) as session:
        try:
            village = regions.get_village(session, code)
            township = regions.get_township(session, township_code)
            moved = regions.move_village(session, village, township, actor="cli")
        except DomainError as exc:
            raise fail(exc) from exc
        where = f"{township.district.name} {township.name}"
    click.echo(f"village {code} {'is now in' if moved else 'was already in'} {where}")


@click.group("device")
def device_group():
    """Kiosks (兑换机): device codes and receipt prefixes."""


@device_group.command("add")
@click.argument("code")
@click.option("--name", default="")
@click.option("--prefix", default=None, help="Receipt prefix (default: the device code).")
@click.option("--village", "village_code", default=None)
@with_appcontext
def device_add(code, name, prefix, village_code):
    """Add a kiosk; set KIOSK_DEVICE=CODE on the box that runs it."""
    with unit_of_work(get_db().writer) as session:
        village = current_village(session, village_code)
        try:
            kiosk = regions.add_kiosk(
                session,
                village,
                code,
                name or f"{village.name}积分超市",
                receipt_prefix=prefix,
                actor="cli",
            )
        except DomainError as exc:
            raise fail(exc) from exc
        click.echo(f"kiosk {kiosk.code} added to {village.name}; receipts {kiosk.prefix}-000001…")


@device_group.command("list")
@click.option("--village", "village_code", default=None)
@with_appcontext
def device_list(village_code):
    """Kiosks with their village, receipt prefix, last receipt and state."""
    with unit_of_work(get_db().reader) as session:
        village_id = regions.get_village(session, village_code).id if village_code else None
        for k in regions.list_kiosks(session, village_id):
            state = "retired" if k.is_retired else "active"
            click.echo(
                f"{k.code}\t{k.village.code}\t{k.name}\treceipts {k.prefix}-"
                f"\tlast {k.last_receipt_seq}\t{state}"
            )


@device_group.command("retire")
@click.argument("code")
@with_appcontext
def device_retire(code):
    """Stop a kiosk selling; its receipts and day closes stay."""
    with unit_of_work(get_db().writer) as session:
        try:
            regions.retire_kiosk(session, regions.get_kiosk(session, code), actor="cli")
        except DomainError as exc:
            raise fail(exc) from exc
    click.echo(f"kiosk {code} retired")


@click.group("region")
def region_group():
    """The region tree: districts (区/县) and townships (镇/乡) above the villages."""


@region_group.command("district")
@click.argument("code")
@click.argument("name")
@with_appcontext
def region_district(code, name):
    """Add a district (区/县)."""
    with unit_of_work(get_db().writer) as session:
        try:
            district = regions.create_district(session, code, name)
        except DomainError as exc:
            raise fail(exc) from exc
        click.echo(f"district {district.code} {district.name} added")


@region_group.command("township")
@click.argument("district_code")
@click.argument("code")
@click.argument("name")
@with_appcontext
def region_township(district_code, code, name):
    """Add a township (镇/乡) to a district."""
    with unit_of_work(get_db().writer) as session:
        try:
            district = regions.get_district(session, district_code)
            township = regions.create_township(session, district, code, name)
        except DomainError as exc:
            raise fail(exc) from exc
        click.echo(f"township {township.code} {township.name} added to {district.name}")


@region_group.command("list")
@with_appcontext
def region_list():
    """The tree: each district, its townships and their villages."""
    with unit_of_work(get_db().reader) as session:
        for district in regions.list_districts(session):
            click.echo(f"{district.code}\t{district.name}")
            for township in regions.list_townships(session, district.id):
                villages = regions.villages_in(session, township_id=township.id)
                names = " ".join(f"{v.code}({v.name})" for v in villages) or "-"
                click.echo(f"  {township.code}\t{township.name}\tvillages: {names}")


@region_group.command("rename")
@click.argument("code")
@click.argument("name")
@with_appcontext
def region_rename(code, name):
    """Rename a district or a township by its code (e.g. a default 未分区县 after upgrading)."""
    with unit_of_work(get_db().writer) as session:
        try:
            try:
                region = regions.get_township(session, code)
            except DomainError:
                region = regions.get_district(session, code)
            regions.rename_region(session, region, name)
        except DomainError as exc:
            raise fail(exc) from exc
        click.echo(f"{code} is now {region.name}")


@region_group.command("refresh")
@with_appcontext
def region_refresh():
    """Fold the journal's new rows into the villages' monthly figures (the region pages do this
    before they read; a timer running this keeps their work small)."""
    from shop.regions import fold

    with unit_of_work(get_db().writer) as session:
        added = fold.fold(session)
    click.echo(f"{added} postings folded into the monthly figures")


@region_group.command("shop-login")
@click.argument("village_code")
@click.argument("role")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@with_appcontext
def region_shop_login(village_code, role, password):
    """A PostgreSQL login for one village's shop box, confined to that village by row-level
    security (shop/regions/shop_access.py). Run again after an upgrade: it re-applies every
    policy. The shop box then connects with KIOSK_DATABASE_URL=postgresql://ROLE:PASSWORD@…"""
    from shop.regions import shop_access

    db = get_db()
    with unit_of_work(db.reader) as session:
        try:
            village_id = regions.get_village(session, village_code).id
        except DomainError as exc:
            raise fail(exc) from exc
    try:
        with db.engine.begin() as conn:
            tables = shop_access.create_shop_login(conn, village_id, role, password)
    except DomainError as exc:
        raise fail(exc) from exc
    click.echo(f"login {role} confined to village {village_code} on {len(tables)} tables")


COMMANDS = (setup_command, village_group, device_group, region_group)
