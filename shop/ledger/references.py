"""The journal's references (its `ref` column) that are not plain ``kind:rest`` words, read by
shop.ledger.sentences.ref_said: a batch award's key, a day close's kiosk and day, a receipt's
number, and the kinds added since the first vocabulary (opening balances, stocktakes, the year
end). A batch's key (``batch:rv3f…``) is an idempotency key and never shown: the page that lists
the rows says which batch of its day it was (`count_batches`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from shop.words import N_

BATCH = N_("批量记分")
BATCH_NTH = N_("批量记分，当天第{nth}批")
# The batch an approved review posts (shop.points.review.decisions: its key starts "rv").
REVIEW_BATCH = N_("审核通过，一批计入")
REVIEW_BATCH_NTH = N_("审核通过，一批计入，当天第{nth}批")
DAY_CLOSE = N_("兑换机 {kiosk}，{day}")
RECEIPT = N_("小票 {ref}")
MORE_REFS = {
    "opening": N_("期初积分：农户 {ref}"),
    "stocktake": N_("盘点 #{ref}"),
    "year_end": N_("{ref}年度"),
}
REVIEW_KEY = "rv"
_DAY_CLOSE = re.compile(r"(?P<kiosk>[A-Za-z0-9][\w-]*):(?P<day>\d{4}-\d{2}-\d{2})")


def batch_words(rest: str, nth: str | None) -> tuple[str, dict[str, str]]:
    """A batch award's reference: which kind of batch, and its place in its day when known."""
    review = rest.startswith(REVIEW_KEY)
    if nth:
        return (REVIEW_BATCH_NTH if review else BATCH_NTH), {"nth": nth}
    return (REVIEW_BATCH if review else BATCH), {}


def day_close(ref: str) -> dict[str, str] | None:
    found = _DAY_CLOSE.fullmatch(ref)
    return found.groupdict() if found else None


def is_batch(ref: str) -> bool:
    return (ref or "").startswith("batch:")


def count_batches(refs: Iterable[str]) -> dict[str, str]:
    """Each batch award's place in its day ("2": the day's second), from one day's batch
    references oldest first; the review's batches and the batch page's are counted apart."""
    counts = {True: 0, False: 0}
    found: dict[str, str] = {}
    for ref in refs:
        review = ref.removeprefix("batch:").startswith(REVIEW_KEY)
        counts[review] += 1
        found[ref] = str(counts[review])
    return found
