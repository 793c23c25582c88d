"""The business clock (营业时间): the village's time zone, "today", and the bounds of a day, a
month and a year.

One zone for the process, set once from configuration (KIOSK_TIMEZONE) by the app factory, which
the CLI and every server process go through. Limits, redemption windows, the day close, receipts,
the monthly notice, the ranking, statements and every date a clerk reads take their zone from
here, so the clerk's "today" and the business day can never disagree. Nothing else names a zone.
Stored times stay UTC.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

DEFAULT_ZONE = "Asia/Shanghai"

_zone: dt.tzinfo = zoneinfo.ZoneInfo(DEFAULT_ZONE)


def named(name: str | dt.tzinfo | None) -> dt.tzinfo:
    """The zone of that name (or the business zone for None); ValueError if there is none."""
    if name is None:
        return _zone
    if isinstance(name, dt.tzinfo):
        return name
    try:
        return zoneinfo.ZoneInfo(str(name))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {name!r}") from exc


def set_zone(name: str | dt.tzinfo) -> dt.tzinfo:
    """Make `name` the business zone of this process (the app factory calls this)."""
    global _zone
    _zone = named(name)
    return _zone


def zone() -> dt.tzinfo:
    return _zone


def now() -> dt.datetime:
    """The current moment, in UTC (as stored)."""
    return dt.datetime.now(dt.UTC)


def local(moment: dt.datetime, tz: dt.tzinfo | None = None) -> dt.datetime:
    """A stored moment as the shop's clock on the wall shows it."""
    return moment.astimezone(tz or _zone)


def local_date(moment: dt.datetime, tz: dt.tzinfo | None = None) -> dt.date:
    return moment.astimezone(tz or _zone).date()


def today(tz: dt.tzinfo | None = None) -> dt.date:
    return local_date(now(), tz)


def midnight(day: dt.date, tz: dt.tzinfo | None = None) -> dt.datetime:
    """The UTC moment a local day begins."""
    return dt.datetime.combine(day, dt.time(0), tz or _zone).astimezone(dt.UTC)


def day_bounds(day: dt.date, tz: dt.tzinfo | None = None) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) of a local business day, in UTC."""
    return midnight(day, tz), midnight(day + dt.timedelta(days=1), tz)


def month_bounds(year: int, month: int, tz: dt.tzinfo | None = None):
    """[start, end) of a local calendar month, in UTC."""
    following = dt.date(year + (month == 12), month % 12 + 1, 1)
    return midnight(dt.date(year, month, 1), tz), midnight(following, tz)


def year_bounds(year: int, tz: dt.tzinfo | None = None) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) of a local calendar year, in UTC."""
    return midnight(dt.date(year, 1, 1), tz), midnight(dt.date(year + 1, 1, 1), tz)
