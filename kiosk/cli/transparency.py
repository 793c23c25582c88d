"""`kiosk export-ledger | notice | ranking | year-end`: transparency from the command line."""

from __future__ import annotations

import datetime as dt
import re
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from kiosk.cli.common import current_village, fail
from kiosk.db import get_db
from shop import clock, transparency
from shop.db import read_engine, unit_of_work
from shop.errors import DomainError
from shop.ledger.export import export_ledger
from shop.models import Village


def _tz():
    return clock.zone()


def _today() -> dt.date:
    return dt.datetime.now(_tz()).date()


def _font() -> str:
    font = current_app.config.get("CJK_FONT")
    if not font or not Path(font).exists():
        raise click.ClickException(f"CJK font not found ({font}); set KIOSK_CJK_FONT")
    return font


village_option = click.option("--village", "village_code", default=None, help="Village code.")


@click.command("export-ledger")
@click.argument("path", type=click.Path(dir_okay=False, allow_dash=True))
@village_option
@with_appcontext
def export_ledger_command(path: str, village_code: str | None):
    """Write the ledger as JSON Lines for outside checking with tools/verify_ledger.py."""
    engine = read_engine(get_db().engine)  # a snapshot that never holds the write lock
    with engine.connect() as conn:
        village_id = None
        if village_code:
            village_id = conn.execute(
                select(Village.id).where(Village.code == village_code)
            ).scalar_one_or_none()
            if village_id is None:
                raise click.ClickException(f"no village {village_code}")
        if path == "-":
            rows = export_ledger(conn, sys.stdout, village_id)
            return
        with open(path, "w", encoding="utf-8", newline="\n") as out:
            rows = export_ledger(conn, out, village_id)
    click.echo(f"{rows} journal rows written to {path}")
    click.echo(f"check it anywhere with: python3 tools/verify_ledger.py {path}")


def _year_month(_ctx, _param, value: str) -> tuple[int, int]:
    match = re.fullmatch(r"(\d{4})-(\d{1,2})", value)
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise click.BadParameter("use YEAR-MONTH, e.g. 2026-11")
    return int(match.group(1)), int(match.group(2))


@click.command("notice")
@click.argument("month", metavar="YEAR-MONTH", callback=_year_month)
@village_option
@click.option("--pdf", "pdf_path", type=click.Path(dir_okay=False), default=None)
@click.option("--xlsx", "xlsx_path", type=click.Path(dir_okay=False), default=None)
@with_appcontext
def notice_command(
    month: tuple[int, int], village_code: str | None, pdf_path: str | None, xlsx_path=None
):
    """The monthly public notice (积分公示): print it, or write the A4 PDF."""
    with unit_of_work(get_db().reader) as session:
        village = current_village(session, village_code)
        try:
            notice = transparency.monthly_notice(session, village, *month, _tz())
        except DomainError as exc:
            raise fail(exc) from exc
    click.echo(f"{notice.village_name} {notice.year}年{notice.month}月 积分公示")
    for group in notice.groups:
        click.echo(f"{group.name}: +{group.awarded} -{group.deducted}")
        for home in group.households:
            if home.items:
                items = "; ".join(f"{i.item} {i.delta:+d}" for i in home.items)
                click.echo(f"  {home.number} {home.head_name}: {home.net:+d} ({items})")
    click.echo(
        f"total: +{notice.awarded} -{notice.deducted}"
        + (f" year-end -{notice.cleared}" if notice.cleared else "")
        + f"; {len(notice.active_households)}/{len(notice.households)} households"
    )
    click.echo(f"chain head: {notice.head.seq}:{notice.head.short} ({notice.head.hash})")
    if pdf_path:
        from shop.transparency.pdf import notice_pdf

        Path(pdf_path).write_bytes(notice_pdf(notice, _font()))
        click.echo(f"PDF written to {pdf_path}")
    if xlsx_path:
        from shop.sheets import to_xlsx
        from shop.transparency.files import notice_sheets

        Path(xlsx_path).write_bytes(to_xlsx(notice_sheets(notice)))
        click.echo(f"XLSX written to {xlsx_path}")


@click.command("ranking")
@click.argument("year", type=click.IntRange(1900, 9998))
@village_option
@click.option("--group", default=None, help="Only this villager group.")
@click.option("--top", type=click.IntRange(1), default=None, help="Only places 1..N (ties kept).")
@click.option("--pdf", "pdf_path", type=click.Path(dir_okay=False), default=None)
@click.option("--xlsx", "xlsx_path", type=click.Path(dir_okay=False), default=None)
@with_appcontext
def ranking_command(
    year: int, village_code: str | None, group: str | None, top: int | None, pdf_path, xlsx_path
):
    """The annual ranking (积分排名) by points earned; equal points share a rank (1, 2, 2, 4)."""
    with unit_of_work(get_db().writer) as session:
        # Bring the totals cache up to date (quick when it is): the ranking is exact either way.
        transparency.refresh_ranking_totals(session, current_village(session, village_code), _tz())
    with unit_of_work(get_db().reader) as session:
        village = current_village(session, village_code)
        ranking = transparency.annual_ranking(session, village, year, _tz(), group=group)
        groups = (
            transparency.group_rankings(session, village, year, _tz())
            if (pdf_path or xlsx_path) and group is None
            else None
        )
    click.echo(f"{ranking.village_name} {year}年度 积分排名" + (f" {group}" if group else ""))
    for r in ranking.top(top) if top else ranking.rows:
        click.echo(
            f"{r.rank:>4}  {r.number}  {r.head_name}  {r.group_name}  "
            f"+{r.earned} -{r.deducted} = {r.points}"
        )
    click.echo(f"chain head: {ranking.head.seq}:{ranking.head.short}")
    if pdf_path:
        from shop.transparency.pdf import ranking_pdf

        Path(pdf_path).write_bytes(ranking_pdf(ranking, _font(), groups=groups, top=top))
        click.echo(f"PDF written to {pdf_path}")
    if xlsx_path:
        from shop.sheets import to_xlsx
        from shop.transparency.files import ranking_sheets

        Path(xlsx_path).write_bytes(to_xlsx(ranking_sheets(ranking, groups)))
        click.echo(f"XLSX written to {xlsx_path}")


@click.group("year-end")
def year_end_group():
    """Year-end points policy (年终积分处理): keep, expire (清零) or cap."""


def _policy_options(f):
    f = click.option("--cap", type=click.IntRange(0), default=None, help="For --policy cap.")(f)
    f = click.option("--policy", type=click.Choice(transparency.YEAR_END_POLICIES), required=True)(
        f
    )
    return f


@year_end_group.command("plan")
@click.argument("year", type=click.IntRange(1900, 9998))
@_policy_options
@click.option("--on", "on_date", type=click.DateTime(["%Y-%m-%d"]), default=None)
@village_option
@with_appcontext
def year_end_plan(year, policy, cap, on_date, village_code):
    """Show what a policy would take from each household at today's balances."""
    with unit_of_work(get_db().reader) as session:
        village = current_village(session, village_code)
        try:
            plan = transparency.plan_year_end(
                session,
                village,
                policy,
                on_date.date() if on_date else dt.date(year, 12, 31),
                cap,
            )
        except DomainError as exc:
            raise fail(exc) from exc
    for line in plan.lines:
        click.echo(f"{line.number}  {line.head_name}  {line.balance} -> {line.keeps}")
    click.echo(
        f"{year} {policy}{f' {cap}' if cap is not None else ''}: "
        f"{len(plan.lines)} households lose {plan.total_deducted} points"
    )


@year_end_group.command("announce")
@click.argument("year", type=click.IntRange(1900, 9998))
@_policy_options
@click.option("--on", "on_date", type=click.DateTime(["%Y-%m-%d"]), required=True)
@village_option
@with_appcontext
def year_end_announce(year, policy, cap, on_date, village_code):
    """Announce the policy (shown on the waiting screen until the day it applies)."""
    with unit_of_work(get_db().writer) as session:
        village = current_village(session, village_code)
        try:
            transparency.announce_year_end(
                session, village, year, policy, on_date.date(), cap, actor="cli", today=_today()
            )
        except DomainError as exc:
            raise fail(exc) from exc
    click.echo(f"year-end {year}: {policy} announced for {on_date.date()}")


@year_end_group.command("apply")
@click.argument("year", type=click.IntRange(1900, 9998))
@village_option
@with_appcontext
def year_end_apply(year, village_code):
    """Apply the announced policy on or after its day (once; a repeat changes nothing)."""
    with unit_of_work(get_db().writer) as session:
        village = current_village(session, village_code)
        try:
            result = transparency.apply_year_end(
                session, village, year, actor="cli", today=_today()
            )
        except DomainError as exc:
            raise fail(exc) from exc
    click.echo(
        f"year-end {year} ({result.policy}): {result.households} households, "
        f"{result.total_deducted} points; journal row {result.head.seq}:{result.head.short}"
    )


COMMANDS = (
    export_ledger_command,
    notice_command,
    ranking_command,
    year_end_group,
)
