"""Two-step review (录入 -> 审核) and the notice period (公示期).

A recorder (记分员: a villager group leader or grid worker, confined to their groups) records an
award or a deduction for one or more households of their groups, with a note and up to four
photos. What they record is one batch (批次). The village's setting decides which entries wait
for the panel (all, deductions only, none); an entry that needs no review is posted at once.

The panel approves or rejects the batch whole or line by line; a rejection gives a reason, which
the recorder sees. An approved line is posted through the one award path (`apply_batch` for the
lines of a batch that carry the deed's points, `award_points` for a corrected line), so it is an
ordinary `award` or `deduction` in the journal.

With a notice period (`notice_days` > 0, off by default), an approved line is first shown as
公示中 until `effective_on`; staff may record an objection (异议) on a villager's behalf; the
panel confirms the line or corrects it (other points, or withdraws it); `post_matured` (run daily
by `kiosk points post-matured`, and on every panel review page) posts the lines whose period has
ended and have no open objection. Until then they do not count: not in the balance, not for
redemption.

Every step is a journal row (`household_change`, ref `review:<batch>`) naming its actor.

Rooms: `policy` (审核设置), `recording` (录入, the recorders' groups), `decisions` (审核, posting
approved lines), `objections` (公示中 lines and 异议), `matured` (公示期满), `journal` (the row
each step writes). Callers use the names re-exported here.
"""

from shop.points.review.decisions import (
    Decision,
    decide,
    get_batch,
    pending_batches,
    photo,
    post_lines,
    recorded_by,
)
from shop.points.review.matured import post_matured
from shop.points.review.objections import (
    noticed_line,
    noticed_lines,
    pending_points,
    record_objection,
    resolve_objection,
)
from shop.points.review.policy import MAX_NOTICE_DAYS, needs_review, set_settings, settings
from shop.points.review.recording import MAX_LINES, parse_groups, record_entry, recorder_households

__all__ = [
    "MAX_LINES",
    "MAX_NOTICE_DAYS",
    "Decision",
    "decide",
    "get_batch",
    "needs_review",
    "noticed_line",
    "noticed_lines",
    "parse_groups",
    "pending_batches",
    "pending_points",
    "photo",
    "post_lines",
    "post_matured",
    "record_entry",
    "record_objection",
    "recorded_by",
    "recorder_households",
    "resolve_objection",
    "set_settings",
    "settings",
]
