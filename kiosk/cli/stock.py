"""`kiosk close-day`, `kiosk day-report`, `kiosk void`, `kiosk low-stock`: the clerk's and the
volunteer's stock work from the command line, over the same services as the back-office.

Also the printing helpers the back-office pages will call after their commit:
`print_void_slip` (作废单), `print_day_close` (日结单) and `print_receiving_slip` (入库单).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from hardware.printing import PrinterError
from kiosk.backoffice import printing as shared
from kiosk.cli.common import current_village, fail
from kiosk.db import get_db
from kiosk.printing import PrintOutcome
from kiosk.reprint import config_for
from shop import redemptions
from shop.db import unit_of_work
from shop.errors import DomainError
from shop.models import Kiosk, ReceivingDoc, utcnow
from shop.redemptions import dayclose
from shop.redemptions.limits import local_date
from shop.stock import products
from shop.stock.reports import write_day_close_files


def _lang() -> str:
    return "en" if str(current_app.config.get("LANGUAGE", "zh")).startswith("en") else "zh"


def print_void_slip(receipt_no: str, *, actor: str, url: str | None = None) -> PrintOutcome:
    """Print the void slip (作废) of a voided receipt, as its own print job (kind 'void').

    Call after the void has committed; a printer failure leaves a failed job, never undoes."""
    return shared.print_void_slip(receipt_no, actor=actor, config=config_for(current_app, url))


def print_day_close(report: dict, *, url: str | None = None):
    """Print the frozen day-close report on the receipt printer. Raises PrinterError."""
    return shared.print_day_close(report, config=config_for(current_app, url))


def print_receiving_slip(doc_id: int, *, url: str | None = None):
    """Print a receiving document (入库单) for the volunteer to sign. Raises PrinterError."""
    with unit_of_work(get_db().reader) as session:
        return shared.print_receiving_slip(
            session, session.get(ReceivingDoc, doc_id), config=config_for(current_app, url)
        )


def _kiosk(session, code: str | None) -> Kiosk:
    code = code or current_app.config["DEVICE"]
    kiosk = session.scalar(select(Kiosk).where(Kiosk.code == code))
    if kiosk is None:
        raise click.ClickException(f"no kiosk {code} (pass --kiosk CODE)")
    return kiosk


def _day(value: str | None) -> dt.date:
    if not value:
        return local_date(utcnow())
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise click.BadParameter(f"{value!r}: use YYYY-MM-DD") from exc


def _echo_summary(report: dict) -> None:
    rc = report["receipts"]
    click.echo(
        f"{report['kiosk']['code']} {report['date']}: receipts {rc['issued']} "
        f"({rc['first'] or '-'} .. {rc['last'] or '-'}), voids {len(report['voids'])}, "
        f"reprints {rc['reprinted']}, never printed {len(rc['never_printed'])}, "
        f"points net {report['points']['net']}"
    )
    for first, last in rc["gaps"]:
        click.echo(f"  GAP: {first}" + ("" if first == last else f" .. {last}"))
    if report.get("chain"):
        click.echo(f"  chain head #{report['chain']['seq']} {report['chain']['hash']}")


@click.command("close-day")
@click.option("--date", "day", default=None, help="Local date YYYY-MM-DD (default: today).")
@click.option("--kiosk", "kiosk_code", default=None, help="Kiosk code (default: this device).")
@click.option("--clerk", default="", help="The clerk's name, printed on the report.")
@click.option("--print/--no-print", "do_print", default=True, show_default=True)
@click.option("--printer", "url", default=None, help="Another printer URL, e.g. file:///tmp/d.bin")
@click.option(
    "--export",
    "export_dir",
    default=None,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for the PDF, XLSX and CSV (default: <instance>/reports).",
)
@with_appcontext
def close_day_command(day, kiosk_code, clerk, do_print, url, export_dir):
    """日结: close a kiosk's day, print the report and export it. Re-running gives the same."""
    when = _day(day)
    with unit_of_work(get_db().writer) as session:
        kiosk = _kiosk(session, kiosk_code)
        try:
            close = dayclose.close_day(
                session, kiosk, when, actor=f"cli:{clerk}" if clerk else "cli", clerk=clerk
            )
        except DomainError as exc:
            raise fail(exc) from exc
        report = dayclose.report_of(close)
    _echo_summary(report)
    # The close is committed above; the files are made from the stored close, so a failure here
    # (a full disk, a folder that cannot be written) leaves the day closed and this command, run
    # again, makes them.
    try:
        paths = write_day_close_files(
            report,
            export_dir or Path(current_app.instance_path) / "reports",
            lang=_lang(),
            font_path=current_app.config.get("CJK_FONT") or None,
        )
    except OSError as exc:
        raise click.ClickException(
            f"day closed, but the files were not written: {exc} (run close-day again to write them)"
        ) from exc
    for path in paths.values():
        click.echo(f"  written {path}")
    if do_print:
        try:
            result = print_day_close(report, url=url)
        except PrinterError as exc:
            raise click.ClickException(
                f"day closed, but not printed: {exc.code} (run close-day again to reprint)"
            ) from exc
        where = f" (saved to {result.path})" if result.path else ""
        click.echo(f"  printed on {result.backend}{where}")


@click.command("day-report")
@click.option("--date", "day", default=None, help="Local date YYYY-MM-DD (default: today).")
@click.option("--kiosk", "kiosk_code", default=None)
@with_appcontext
def day_report_command(day, kiosk_code):
    """The day's figures so far, without closing it (a closed day shows its frozen report)."""
    when = _day(day)
    with unit_of_work(get_db().reader) as session:
        kiosk = _kiosk(session, kiosk_code)
        close = dayclose.get_day_close(session, kiosk, when)
        report = dayclose.report_of(close) if close else dayclose.day_report(session, kiosk, when)
    click.echo("closed" if close else "open (not closed yet)")
    _echo_summary(report)


@click.command("void")
@click.argument("receipt_no")
@click.option("--reason", required=True, help="Why (printed on the void slip).")
@click.option("--clerk", default="cli")
@click.option("--print/--no-print", "do_print", default=True, show_default=True)
@click.option("--printer", "url", default=None)
@with_appcontext
def void_command(receipt_no, reason, clerk, do_print, url):
    """作废: return a receipt's points and goods, with a reason, and print the void slip."""
    with unit_of_work(get_db().writer) as session:
        try:
            redemption = redemptions.get_redemption(session, receipt_no)
            redemptions.void_redemption(session, redemption, reason=reason, actor=clerk)
            booking = dayclose.void_booking(session, redemption.id)
        except DomainError as exc:
            raise fail(exc) from exc
        note = ""
        if booking.is_moved:
            note = f"; booked to {booking.business_date}: the receipt's own day is closed"
    click.echo(f"receipt {receipt_no} voided{note}")
    if do_print:
        outcome = print_void_slip(receipt_no, actor=clerk, url=url)
        if outcome.error:
            raise click.ClickException(f"voided, but the slip was not printed: {outcome.error}")
        click.echo(f"void slip: {outcome.state}")


@click.command("low-stock")
@click.option("--village", "village_code", default=None)
@with_appcontext
def low_stock_command(village_code):
    """缺货提醒: goods below their minimum, with how many to order."""
    with unit_of_work(get_db().reader) as session:
        village = current_village(session, village_code)
        rows = products.low_stock(session, village)
    if not rows:
        click.echo("nothing below its minimum")
    for row in rows:
        click.echo(
            f"{row.sku}\t{row.name}\ton hand {row.on_hand} {row.unit}\tmin {row.min_level}\t"
            f"order {row.reorder_qty}"
        )


COMMANDS = (
    close_day_command,
    day_report_command,
    void_command,
    low_stock_command,
)
