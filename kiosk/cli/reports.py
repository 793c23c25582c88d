"""`kiosk report …`: the back-office's lists as files from the command line (same services)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click
from flask.cli import with_appcontext

from kiosk.cli.common import current_village
from kiosk.db import get_db
from shop import clock, reports, sheets
from shop.db import unit_of_work

village_option = click.option("--village", "village_code", default=None, help="Village code.")
date_type = click.DateTime(["%Y-%m-%d"])


def _write(path: str, made: list[sheets.Sheet]) -> None:
    target = Path(path)
    if target.suffix.lower() == ".csv":
        target.write_bytes(sheets.to_csv(made[0]))
    elif target.suffix.lower() == ".xlsx":
        target.write_bytes(sheets.to_xlsx(made))
    else:
        raise click.BadParameter("the file must end in .xlsx or .csv", param_hint="PATH")
    click.echo(f"written {target} ({sum(len(s.rows) for s in made)} rows)")


def _period(first, last) -> tuple[dt.date, dt.date]:
    today = clock.today()
    first = first.date() if first else today.replace(day=1)
    last = last.date() if last else today
    return (first, last) if first <= last else (last, first)


@click.group("report")
def report_group():
    """报表: balances, award and redemption lists, donor reports, the dashboard's figures."""


@report_group.command("balances")
@click.argument("path", type=click.Path(dir_okay=False))
@village_option
@with_appcontext
def report_balances(path, village_code):
    """全村积分余额: every household's balance, to PATH (.xlsx or .csv)."""
    with unit_of_work(get_db().reader) as s:
        _write(path, [reports.balances_sheet(s, current_village(s, village_code))])


@report_group.command("awards")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--from", "first", type=date_type, default=None, help="First day (default: the 1st).")
@click.option("--to", "last", type=date_type, default=None, help="Last day (default: today).")
@village_option
@with_appcontext
def report_awards(path, first, last, village_code):
    """加扣分明细: awards and deductions of a period, one per row."""
    first, last = _period(first, last)
    with unit_of_work(get_db().reader) as s:
        _write(path, [reports.awards_sheet(s, current_village(s, village_code), first, last)])


@report_group.command("redemptions")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--from", "first", type=date_type, default=None, help="First day (default: the 1st).")
@click.option("--to", "last", type=date_type, default=None, help="Last day (default: today).")
@village_option
@with_appcontext
def report_redemptions(path, first, last, village_code):
    """兑换明细: receipts (and, in XLSX, their lines) of a period."""
    first, last = _period(first, last)
    with unit_of_work(get_db().reader) as s:
        _write(path, reports.redemptions_sheets(s, current_village(s, village_code), first, last))


@report_group.command("donor")
@click.argument("name")
@click.argument("path", type=click.Path(dir_okay=False))
@village_option
@with_appcontext
def report_donor(name, path, village_code):
    """捐赠去向: what a partner company or donor gave and what became of it (.xlsx)."""
    with unit_of_work(get_db().reader) as s:
        village = current_village(s, village_code)
        found = reports.donor_report(s, village.id, name)
        if found is None:
            names = ", ".join(n for _k, n in reports.donors(s, village.id)) or "none"
            raise click.ClickException(f"no deliveries from {name!r} (known: {names})")
        _write(path, reports.donor_sheets(found))


@report_group.command("dashboard")
@village_option
@with_appcontext
def report_dashboard(village_code):
    """村务看板: the back-office home's figures, as text."""
    with unit_of_work(get_db().reader) as s:
        d = reports.dashboard(s, current_village(s, village_code))
    click.echo(f"{d.today}: {d.receipts_today} receipts today, {d.points_today} points")
    click.echo(f"month: +{d.month.awarded} -{d.month.deducted} redeemed {d.month.redeemed}")
    click.echo(f"year:  +{d.year.awarded} -{d.year.deducted} redeemed {d.year.redeemed}")
    click.echo(f"outstanding points: {d.outstanding} ({d.households} households)")
    for kind in reports.SOURCE_KINDS:
        click.echo(
            f"  {kind:<9} redeemed this year {d.redeemed_value_year[kind]:10.2f} yuan, "
            f"in stock {d.stock_value[kind]:10.2f} yuan"
        )
    click.echo(f"low stock: {len(d.low_stock)}; applications to review: {d.pending_applications}")


COMMANDS = (report_group,)
