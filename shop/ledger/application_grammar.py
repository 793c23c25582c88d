"""The award a villager's approved application posts (shop/points/applications.py: 双向积分认证),
its patterns and sentences, joined into shop.ledger.grammar's GRAMMAR.

The memo is structured (``application #5 approved: 帮邻居修路``); before, it was Chinese text
(``申请 #5 帮邻居修路``), which stays in the chained journal for good and reads as the same
sentence. `memo_approved` writes the memo, so the writer and the reader stand side by side.
"""

from __future__ import annotations

from shop.ledger.vocabulary import APPLICATION
from shop.words import N_

APPROVED_NOTE = N_("村民申请，评定小组通过：{note}")
APPROVED = N_("村民申请，评定小组通过")

_ID = r"(?P<application>\d+)"

# (sentence, the structured pattern, the Chinese pattern written before)
_POSTINGS: tuple[tuple[str, str, str], ...] = (
    (APPROVED_NOTE, rf"application #{_ID} approved: (?P<note>.+)", rf"申请 #{_ID} (?P<note>.+)"),
    (APPROVED, rf"application #{_ID} approved", rf"申请 #{_ID}"),
)

# Rows in GRAMMAR's shape: (journal kind, pattern, sentence, fields that are words, kind shown).
ROWS: tuple[tuple[str, str, str, dict[str, str], str | None], ...] = tuple(
    (kind, pattern, text, {}, APPLICATION)
    for text, new, old in _POSTINGS
    for kind in ("award", "deduction")
    for pattern in (new, old)
)


def memo_approved(application_id: int, note: str) -> str:
    """The award's memo: which application, and the villager's own words (data)."""
    memo = f"application #{application_id} approved"
    return (memo + (f": {note}" if note else ""))[:500]
