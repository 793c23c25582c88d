"""The review's memos (shop/points/review/: 审核设置, 录入, 审核, 异议, 公示期满, and the awards it
posts), their patterns and sentences, joined into shop.ledger.grammar's GRAMMAR.

Each memo has two patterns: the structured one the review writes, and the Chinese text it wrote
before (``审核 #3：通过2户``), which stays in the chained journal for good and reads as the same
sentence. The `memo_*` functions write the structured memos, so the writer and the reader of
each format stand side by side.
"""

from __future__ import annotations

from shop.words import N_

POLICY_NO_NOTICE = N_("审核设置：{policy}，不公示")
POLICY = N_("审核设置：{policy}，公示{days}天")
RECORD_NOTE = N_("录入：{rule}（{points}分），{count}户：{numbers}，照片{photos}张，说明：{note}")
RECORD = N_("录入：{rule}（{points}分），{count}户：{numbers}，照片{photos}张")
AUTO_NOTICE = N_("不需审核，自动通过{approved}户，公示{days}天")
AUTO = N_("不需审核，自动通过{approved}户")
DECIDE_NOTICE_REJECT = N_("审核：通过{approved}户，公示{days}天；退回{rejected}户，理由：{reason}")
DECIDE_NOTICE = N_("审核：通过{approved}户，公示{days}天")
DECIDE_REJECT = N_("审核：通过{approved}户；退回{rejected}户，理由：{reason}")
DECIDE = N_("审核：通过{approved}户")
POSTED_CORRECTED_NOTE = N_("审核通过，分值经异议更正（录入批次 {batch}）：{note}")
POSTED_CORRECTED = N_("审核通过，分值经异议更正（录入批次 {batch}）")
POSTED_NOTE = N_("审核通过（录入批次 {batch}）：{note}")
POSTED = N_("审核通过（录入批次 {batch}）")
OBJECTION = N_("记下异议（第{line}条）：{text}")
KEPT = N_("处理异议：维持原分；{resolution}")
WITHDRAWN = N_("处理异议：撤销这一条；{resolution}")
CORRECTED = N_("处理异议：改为{new}分（原{old}分）；{resolution}")
MATURED = N_("公示期满：{count}户计入积分")

_POLICY = {"policy": "word"}
_D = r"(?P<batch>\d+)"
_N = r"(?P<approved>\d+)"

# (sentence, words, the structured pattern, the Chinese pattern written before)
_CHANGES: tuple[tuple[str, dict[str, str], str, str], ...] = (
    (POLICY_NO_NOTICE, _POLICY, r"review policy (?P<policy>\w+), notice days 0",
     r"审核范围=(?P<policy>\w+) 公示天数=0"),
    (POLICY, _POLICY, r"review policy (?P<policy>\w+), notice days (?P<days>\d+)",
     r"审核范围=(?P<policy>\w+) 公示天数=(?P<days>\d+)"),
    (RECORD_NOTE, {},
     rf"record #{_D} (?P<points>[+-]\d+) x (?P<count>\d+) photos (?P<photos>\d+) "
     r"households (?P<numbers>[^:]*): (?P<rule>.+?); note: (?P<note>.+)",
     rf"录入 #{_D}：(?P<rule>.+?) (?P<points>[+-]\d+) × (?P<count>\d+)户（(?P<numbers>.*)） "
     r"照片(?P<photos>\d+)张 (?P<note>.+)"),
    (RECORD, {},
     rf"record #{_D} (?P<points>[+-]\d+) x (?P<count>\d+) photos (?P<photos>\d+) "
     r"households (?P<numbers>[^:]*): (?P<rule>.+)",
     rf"录入 #{_D}：(?P<rule>.+?) (?P<points>[+-]\d+) × (?P<count>\d+)户（(?P<numbers>.*)） "
     r"照片(?P<photos>\d+)张"),
    (AUTO_NOTICE, {}, rf"decide #{_D} automatic: approved {_N}, notice (?P<days>\d+) days",
     rf"自动通过（不需审核） #{_D}：通过{_N}户（公示(?P<days>\d+)天）"),
    (AUTO, {}, rf"decide #{_D} automatic: approved {_N}",
     rf"自动通过（不需审核） #{_D}：通过{_N}户"),
    (DECIDE_NOTICE_REJECT, {},
     rf"decide #{_D}: approved {_N}, notice (?P<days>\d+) days, "
     r"rejected (?P<rejected>\d+): (?P<reason>.*)",
     rf"审核 #{_D}：通过{_N}户（公示(?P<days>\d+)天），退回(?P<rejected>\d+)户：(?P<reason>.*)"),
    (DECIDE_NOTICE, {}, rf"decide #{_D}: approved {_N}, notice (?P<days>\d+) days",
     rf"审核 #{_D}：通过{_N}户（公示(?P<days>\d+)天）"),
    (DECIDE_REJECT, {}, rf"decide #{_D}: approved {_N}, rejected (?P<rejected>\d+): (?P<reason>.*)",
     rf"审核 #{_D}：通过{_N}户，退回(?P<rejected>\d+)户：(?P<reason>.*)"),
    (DECIDE, {}, rf"decide #{_D}: approved {_N}", rf"审核 #{_D}：通过{_N}户"),
    (OBJECTION, {}, r"objection #(?P<objection>\d+) line (?P<line>\d+): (?P<text>.*)",
     r"异议 #(?P<objection>\d+)（第(?P<line>\d+)条）：(?P<text>.*)"),
    (KEPT, {}, r"objection #(?P<objection>\d+) kept: (?P<resolution>.*)",
     r"异议 #(?P<objection>\d+) 处理：维持；(?P<resolution>.*)"),
    (WITHDRAWN, {}, r"objection #(?P<objection>\d+) withdrawn: (?P<resolution>.*)",
     r"异议 #(?P<objection>\d+) 处理：撤销；(?P<resolution>.*)"),
    (CORRECTED, {},
     r"objection #(?P<objection>\d+) corrected (?P<new>[+-]\d+) from (?P<old>[+-]\d+): "
     r"(?P<resolution>.*)",
     r"异议 #(?P<objection>\d+) 处理：更正为(?P<new>[+-]\d+)分（原(?P<old>[+-]\d+)）；"
     r"(?P<resolution>.*)"),
    (MATURED, {}, rf"notice ended #{_D}: (?P<count>\d+) posted",
     rf"公示期满 #{_D}：(?P<count>\d+)户计入积分"),
)  # fmt: skip

# The award or deduction an approved line posts (its note is the recorder's own text).
_POSTINGS: tuple[tuple[str, str, str], ...] = (
    (POSTED_CORRECTED_NOTE, rf"review #{_D} corrected: (?P<note>.+)",
     rf"审核通过 录入#{_D} (?P<note>.+)（更正）"),
    (POSTED_CORRECTED, rf"review #{_D} corrected", rf"审核通过 录入#{_D}（更正）"),
    (POSTED_NOTE, rf"review #{_D}: (?P<note>.+)", rf"审核通过 录入#{_D} (?P<note>.+)"),
    (POSTED, rf"review #{_D}", rf"审核通过 录入#{_D}"),
)  # fmt: skip

# Rows in GRAMMAR's shape: (journal kind, pattern, sentence, fields that are words, kind shown).
ROWS: tuple[tuple[str, str, str, dict[str, str], str | None], ...] = tuple(
    ("household_change", pattern, text, words, None)
    for text, words, new, old in _CHANGES
    for pattern in (new, old)
) + tuple(
    (kind, pattern, text, {}, None)
    for text, new, old in _POSTINGS
    for kind in ("award", "deduction")
    for pattern in (new, old)
)


# --- the writer's side ------------------------------------------------------------------------


def memo_settings(policy: str, notice_days: int) -> str:
    return f"review policy {policy}, notice days {notice_days}"


def memo_record(
    batch_id: int, rule: str, points: int, numbers: list[str], photos: int, note: str
) -> str:
    shown = " ".join(numbers[:10]) + (" …" if len(numbers) > 10 else "")
    memo = (
        f"record #{batch_id} {points:+d} x {len(numbers)} photos {photos} "
        f"households {shown}: {rule}"
    )
    return (memo + (f"; note: {note}" if note else ""))[:500]


def memo_decision(
    batch_id: int, *, automatic: bool, approved: int, notice_days: int, rejected: int, reason: str
) -> str:
    memo = f"decide #{batch_id}{' automatic' if automatic else ''}: approved {approved}"
    if notice_days:
        memo += f", notice {notice_days} days"
    if rejected:
        memo += f", rejected {rejected}: {reason}"
    return memo[:500]


def memo_posted(batch_id: int, note: str, *, corrected: bool = False) -> str:
    memo = f"review #{batch_id}{' corrected' if corrected else ''}"
    return (memo + (f": {note}" if note else ""))[:500]


def memo_objection(objection_id: int, line_id: int, text: str) -> str:
    return f"objection #{objection_id} line {line_id}: {text}"[:500]


def memo_resolution(objection_id: int, how: str, resolution: str) -> str:
    """`how`: "kept", "withdrawn" or "corrected +5 from +10"."""
    return f"objection #{objection_id} {how}: {resolution}"[:500]


def memo_matured(batch_id: int, count: int) -> str:
    return f"notice ended #{batch_id}: {count} posted"
