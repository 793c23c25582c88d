"""The memos of closing the books: a void booked to a later day (its receipt's day was closed),
a stocktake (盘点), the year end (年终处理). Their patterns and sentences are joined into
shop.ledger.grammar's GRAMMAR; the `memo_*` functions write them, so the writer and the reader
stand side by side.

Each was text before (``盘点 3 种, 1 种有差异``, ``2026年度积分清零``, a void's note in Chinese
and English); those rows stay in the chained journal for good and read as the same sentences.
"""

from __future__ import annotations

import datetime as dt

from shop.ledger.vocabulary import DAY
from shop.words import N_

VOID_MOVED = N_("{reason}（原单{receipt}已日结，作废记入{day}）")
STOCKTAKE = N_("盘点{counted}种商品，{differ}种有差异")
YEAR_END = N_("{year}年度{treatment}")
YEAR_END_CAP = N_("{year}年度{treatment}（上限{cap}分）")

_TREATMENT = {"treatment": "word"}  # shop.ledger.vocabulary.YEAR_END_TREATMENTS
_RECEIPT = rf"(?P<receipt>{DAY})"
_DAY = rf"(?P<day>{DAY})"
_POLICY = "(?P<treatment>keep|expire|cap)"
_OLD_POLICY = "(?P<treatment>积分保留|积分清零|积分封顶结转)"

# (journal kind, sentence, fields that are words, the structured pattern, the text before)
_ROWS: tuple[tuple[str, str, dict[str, str], str, str], ...] = (
    ("void", VOID_MOVED, {},
     rf"(?P<reason>.*) \[receipt day {_RECEIPT} closed, void booked to {_DAY}\]",
     rf"(?P<reason>.*) \[原单{_RECEIPT}已日结，作废记入{_DAY} / "
     rf"receipt day {DAY} closed, void booked to {DAY}\]"),
    ("stock_adjustment", STOCKTAKE, {},
     r"stocktake counted (?P<counted>\d+), differ (?P<differ>\d+)",
     r"盘点 (?P<counted>\d+) 种, (?P<differ>\d+) 种有差异"),
    ("year_end", YEAR_END_CAP, _TREATMENT,
     rf"year end (?P<year>\d{{4}}) {_POLICY} cap (?P<cap>\d+)",
     rf"(?P<year>\d{{4}})年度{_OLD_POLICY}（上限(?P<cap>\d+)分）"),
    ("year_end", YEAR_END, _TREATMENT,
     rf"year end (?P<year>\d{{4}}) {_POLICY}",
     rf"(?P<year>\d{{4}})年度{_OLD_POLICY}"),
)  # fmt: skip

# Rows in GRAMMAR's shape: (journal kind, pattern, sentence, fields that are words, kind shown).
ROWS: tuple[tuple[str, str, str, dict[str, str], str | None], ...] = tuple(
    (kind, pattern, text, words, None)
    for kind, text, words, new, old in _ROWS
    for pattern in (new, old)
)


# --- the writer's side ------------------------------------------------------------------------


def memo_void_moved(reason: str, receipt_day: dt.date, booked_day: dt.date) -> str:
    return f"{reason} [receipt day {receipt_day} closed, void booked to {booked_day}]"


def memo_stocktake(counted: int, differ: int) -> str:
    return f"stocktake counted {counted}, differ {differ}"


def memo_year_end(year: int, policy: str, cap: int | None = None) -> str:
    return f"year end {year} {policy}" + (f" cap {cap}" if policy == "cap" else "")
