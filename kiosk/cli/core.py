"""The core commands: database, demo, serving, verifying, backups, passbooks, printing."""

from __future__ import annotations

import os
import sqlite3
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from kiosk.cli.common import current_village, fail
from kiosk.db import get_db
from shop import clock, demo, households, schema
from shop.db import unit_of_work
from shop.errors import DomainError
from shop.ledger.verify import snapshot, verify_ledger
from shop.models import Village
from shop.regions import shop_access


@click.command("init")
@with_appcontext
def init_command():
    """Create the database schema (or upgrade it) and this kiosk's device key."""
    from kiosk.scan_access import device_key, device_key_path

    schema.upgrade(get_db().engine)
    click.echo(f"database ready at revision {schema.current_revision(get_db().engine)}")
    with get_db().engine.begin() as conn:
        refreshed = shop_access.refresh_shop_logins(conn)
    if refreshed:
        click.echo(f"{len(refreshed)} shop logins given the upgraded tables and their policies")
    app = current_app._get_current_object()
    device_key(app)  # the scanner programs' credential, made once at install (docs/SCANNING.md)
    click.echo(f"device key in {device_key_path(app)}")


@click.command("demo")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database has data already.")
@click.option("--seed", default=7, show_default=True)
@with_appcontext
def demo_command(if_empty: bool, seed: int):
    """Seed the demo village (60 households, rules, 12 goods, months of history)."""
    db = get_db()
    with unit_of_work(db.writer) as session:
        if not demo.is_empty(session):
            if if_empty:
                click.echo("database has data: demo not seeded")
                return
            raise click.ClickException("the database is not empty; demo seeds only an empty one")
        result = demo.seed_demo(
            session,
            Path(current_app.instance_path),
            seed=seed,
            kiosk_code=current_app.config["DEVICE"],
        )
    click.echo(f"demo village {result['village'].name} seeded; passbooks in {result['csv']}")


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--threads", default=8, show_default=True, type=int)
@with_appcontext
def serve_command(host: str, port: int, threads: int):
    """Serve the kiosk and back-office with waitress."""
    from waitress import serve

    from kiosk.devices import start_devices

    start_devices(current_app._get_current_object())
    click.echo(f"Points Kiosk on http://{host}:{port}/  (back-office: /backoffice/)")
    serve(current_app._get_current_object(), host=host, port=port, threads=threads)


@click.command("device-key")
@click.option("--rotate", is_flag=True, help="Replace the key; scanner programs need the new one.")
@with_appcontext
def device_key_command(rotate: bool):
    """Print this kiosk's device key (made at first use), which scanner programs send to /scans."""
    from kiosk.scan_access import device_key, device_key_path

    app = current_app._get_current_object()
    key = device_key(app, rotate=rotate)
    click.echo(key)
    click.echo(f"({'new key ' if rotate else ''}kept in {device_key_path(app)})", err=True)


@click.command("verify")
@click.option("--village", "village_code", default=None, help="Only this village's chain.")
@click.option(
    "--jobs",
    type=click.IntRange(1, 64),
    default=lambda: min(os.cpu_count() or 1, 4),
    show_default="the number of CPUs, at most 4",
    help="Check the journal in this many parts at once, one process each.",
)
@with_appcontext
def verify_command(village_code: str | None, jobs: int):
    """Recompute the hash chain, every balance and every on-hand. Exit 1 on the first bad row."""
    db = get_db()
    with snapshot(db.engine) as conn:
        village_id = None
        if village_code:
            village_id = conn.execute(
                select(Village.id).where(Village.code == village_code)
            ).scalar_one_or_none()
            if village_id is None:
                raise click.ClickException(f"no village {village_code}")
        report = verify_ledger(conn, village_id, jobs=jobs)
    # The townships' and district's monthly figures, recomputed from the journal (issue 16).
    from shop.regions import fold

    with unit_of_work(db.reader) as session:
        report.problems.extend(fold.check(session, [village_id] if village_id else None))
    for vid, (seq, head) in sorted(report.heads.items()):
        click.echo(f"village {vid}: {seq} rows, chain head {head}")
    if report.ok:
        click.echo(
            f"OK: {report.rows} journal rows verified in {report.seconds:.2f} s "
            f"({report.rows_per_second:,.0f} rows/s)"
        )
        return
    click.echo(f"FAILED: first bad row: {report.first_problem}", err=True)
    for problem in report.problems[1:]:
        click.echo(f"  also: {problem}", err=True)
    sys.exit(1)


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup_command(path: Path):
    """Copy the SQLite database with the online backup API (safe while the kiosk runs)."""
    engine = get_db().engine
    if engine.dialect.name != "sqlite":
        raise click.ClickException(
            "This database is PostgreSQL: back it up with pg_dump, e.g. "
            "`pg_dump --format=custom --file=kiosk.dump DBNAME`."
        )
    source = sqlite3.connect(engine.url.database)
    target = sqlite3.connect(path)
    try:
        with target:
            source.backup(target)
    finally:
        target.close()
        source.close()
    click.echo(f"backup written to {path}")


@click.command("passbook")
@click.argument("household_number")
@click.option("--reissue", is_flag=True, help="Mark the current passbook lost and issue a new one.")
@click.option("--village", "village_code", default=None)
@with_appcontext
def passbook_command(household_number: str, reissue: bool, village_code: str | None):
    """Issue (or reissue) a household's passbook and print its code once."""
    with unit_of_work(get_db().writer) as session:
        village = current_village(session, village_code)
        try:
            household = households.get_household(session, village.id, household_number)
            if reissue:
                passbook, code = households.reissue_passbook(session, household, actor="cli")
            else:
                passbook, code = households.issue_passbook(session, household, actor="cli")
        except DomainError as exc:
            raise fail(exc) from exc
    click.echo(f"passbook {passbook.serial} for {household_number}: {code}")


@click.group("printer")
def printer_group():
    """The receipt printer."""


@printer_group.command("test")
@click.option("--printer", "url", default=None, help="Another printer URL, e.g. file:///tmp/t.bin")
@click.option(
    "--mode",
    type=click.Choice(["text", "picture"]),
    default=None,
    help="Try a mode without changing the setting (picture: the whole page as raster).",
)
@with_appcontext
def printer_test(url: str | None, mode: str | None):
    """Print a test page: ASCII, GBK and GB18030 characters (堃 喆 犇 镕), ￥, a QR code, a cut,
    and line A (the printer's own Hanzi) beside line B (drawn): if A is garbled and B reads
    right, the printer needs picture mode (KIOSK_PRINTER_MODE=picture or ?mode=picture)."""
    import dataclasses

    from hardware.printing import PrinterError
    from kiosk.printing import print_test_page
    from kiosk.reprint import config_for

    now = clock.local(clock.now())
    try:
        config = config_for(current_app, url)
        if mode:
            config = dataclasses.replace(config, mode=mode)
        result = print_test_page(config, now=now)
    except PrinterError as exc:
        raise click.ClickException(
            f"{exc.code}: {exc.message('zh')} / {exc.message('en')}"
        ) from exc
    where = f" (saved to {result.path})" if result.path else ""
    said = "printed" if result.confirmed else "sent (the printer did not confirm)"
    click.echo(
        f"test page {said} to {result.backend} in {config.mode} mode: "
        f"{len(result.data)} bytes{where}"
    )
    if config.mode == "text":
        click.echo(
            "Line A garbled and line B clear: the printer has no Chinese font; set "
            "KIOSK_PRINTER_MODE=picture (or ?mode=picture in KIOSK_PRINTER), or try "
            "`kiosk printer test --mode picture`."
        )


@click.command("receipt")
@click.argument("receipt_no")
@click.option("--printer", "url", default=None, help="Another printer URL, e.g. file:///tmp/r.bin")
@with_appcontext
def receipt_command(receipt_no: str, url: str | None):
    """Print a receipt whose print never went out, or reprint it (marked 重打印 / REPRINT)."""
    from kiosk.reprint import print_or_reprint

    try:
        outcome = print_or_reprint(receipt_no, actor="cli", url=url)
    except DomainError as exc:
        raise fail(exc) from exc
    if outcome.error:
        raise click.ClickException(f"receipt {receipt_no} not printed: {outcome.error}")
    click.echo(f"receipt {receipt_no}: {outcome.state}")


COMMANDS = (
    init_command,
    demo_command,
    serve_command,
    device_key_command,
    verify_command,
    backup_command,
    passbook_command,
    printer_group,
    receipt_command,
)
