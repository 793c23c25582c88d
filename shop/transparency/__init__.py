"""Transparency (公开透明): the monthly public notice (一月一公示), the annual ranking
(一年一排名), the supervisor's journal browser (监督) and the year-end policy (年终清零/结转).

Everything here reads the journal, the one source of truth; nothing reads the cached balances
except the year-end, which changes them through guarded updates like any other debit.

Dates are the village's local dates (config TIMEZONE, Asia/Shanghai): a month or a year is
[local midnight of its first day, local midnight of the next) and is compared with the journal's
UTC `created_at`.

Chain head on paper: a notice prints the seq and hash of the **last journal row written with a
time before the end of its period** (not the head at the moment of printing). Every line of the
notice is at or before that row, so the printed hash vouches for all of them, and printing the
same month again gives the same paper. Anyone holding the notice can check it against an export
of the ledger with `tools/verify_ledger.py --expect-head SEQ:HASH`.
"""

from shop.transparency.browse import (
    JournalPage,
    JournalRow,
    MoveRow,
    PostingRow,
    browse_journal,
    journal_actors,
    ref_names,
)
from shop.transparency.common import (
    JOURNAL_KINDS,
    MAX_PAGE,
    NOTICE_KINDS,
    RANKING_KINDS,
    ChainHead,
    group_order,
    head_before,
    month_bounds,
    village_of,
    year_bounds,
    zone,
)
from shop.transparency.models import YEAR_END_POLICIES
from shop.transparency.notice import (
    MonthlyNotice,
    NoticeGroup,
    NoticeHousehold,
    NoticeItem,
    monthly_notice,
)
from shop.transparency.ranking import (
    Ranking,
    RankRow,
    annual_ranking,
    competition_ranks,
    group_rankings,
    refresh_ranking_totals,
)
from shop.transparency.waiting import (
    WaitingScreen,
    waiting_screen,
)
from shop.transparency.year_end import (
    CAS_ATTEMPTS,
    YearEndLine,
    YearEndPlan,
    YearEndResult,
    announce_year_end,
    apply_year_end,
    plan_year_end,
    upcoming_year_end,
)

__all__ = [
    "NOTICE_KINDS",
    "RANKING_KINDS",
    "JOURNAL_KINDS",
    "MAX_PAGE",
    "zone",
    "month_bounds",
    "year_bounds",
    "ChainHead",
    "head_before",
    "village_of",
    "group_order",
    "NoticeItem",
    "NoticeHousehold",
    "NoticeGroup",
    "MonthlyNotice",
    "monthly_notice",
    "RankRow",
    "Ranking",
    "competition_ranks",
    "annual_ranking",
    "refresh_ranking_totals",
    "group_rankings",
    "PostingRow",
    "MoveRow",
    "JournalRow",
    "JournalPage",
    "browse_journal",
    "journal_actors",
    "ref_names",
    "YearEndLine",
    "YearEndPlan",
    "YearEndResult",
    "plan_year_end",
    "announce_year_end",
    "upcoming_year_end",
    "CAS_ATTEMPTS",
    "apply_year_end",
    "WaitingScreen",
    "waiting_screen",
    "YEAR_END_POLICIES",
]
