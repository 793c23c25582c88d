"""The kiosk's voice clips (语音片段): one short recording per key sentence, refusal, digit and
unit. Sentences are composed from them (shop.voice.sentences), so any balance can be said with
a few dozen files, and a village can record each one again in its own dialect.

A clip's id names its file (static/voice/<id>.ogg, made by `kiosk voice build`; a village's own
recording under the instance folder) and never appears on a screen; its text is what the
machine says and what a village reads aloud when it records the clip.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9_]+)*$")


@dataclass(frozen=True)
class Clip:
    id: str
    text: str  # 中文: said by the machine, read aloud by a village recording its own
    group: str  # "screen", "refusal" or "number"


_SCREENS = (
    ("scan-passbook", "请扫积分存折"),
    ("balance-is", "您家还有"),
    ("points", "分"),
    ("confirm-total", "一共"),
    ("confirm-press", "请按确认兑换"),
    ("pin-enter", "请输入密码"),
    ("pin-wrong", "密码不对，请再输一次"),
    ("done-take", "兑换成功，请取小票"),
    ("points-left", "还剩"),
    ("printer-failed", "小票没有打出来，请把这个屏幕给工作人员看"),
    ("apply-choose", "请选您家做过的好事"),
    ("applied", "申请已经交给评定小组"),
    ("still-there", "还在吗？"),
    ("switch-ask", "要换成别家吗？请选一下"),
    ("who-ask", "请点一下，是谁来兑换"),
)

# One per refusal screen (kiosk.screen_kit.ERROR_SCREENS) and the page's own "offline" screen.
_REFUSALS = (
    ("unknown_code", "这不是本村的积分存折"),
    ("damaged_code", "没扫清楚，请再扫一次"),
    ("scanner_layout", "扫码枪设置不对，请找工作人员"),
    ("passbook_revoked", "这本存折已经挂失，请找工作人员"),
    ("passbook_void", "这本存折已经作废，请找工作人员"),
    ("query_code_cannot_redeem", "这是手机查询码，不能兑换，请扫积分存折"),
    ("household_inactive", "这户暂停兑换，请找工作人员"),
    ("household_locked", "密码错的次数太多，请找工作人员"),
    ("insufficient_points", "积分不够，请少拿一点"),
    ("out_of_stock", "这件东西没货了，请重新选"),
    ("product_inactive", "这件东西不换了，请重新选"),
    ("empty_basket", "还没有选东西"),
    ("invalid_quantity", "拿太多了"),
    ("outside_window", "现在不是兑换的日子"),
    ("day_closed", "今天的兑换已经结束，请明天再来"),
    ("limit_reached", "这件东西本期已经换满了"),
    ("database_unavailable", "系统没有反应，积分没有扣，请稍后再试"),
    ("database_busy", "系统正忙，请稍等一下再试"),
    ("storage_unavailable", "系统暂时不能用，请找管理员"),
    ("unknown_kiosk", "这台兑换机还没有设置好，请找工作人员"),
    ("clock_behind", "兑换机的时间不对，请找工作人员"),
    ("session_expired", "请重新扫存折"),
    ("problem", "出了点问题，请找工作人员"),
    ("offline", "兑换机连不上系统，请稍等"),
)

NUMBER_WORDS = {
    "零": "num-0",
    "一": "num-1",
    "二": "num-2",
    "两": "num-liang",
    "三": "num-3",
    "四": "num-4",
    "五": "num-5",
    "六": "num-6",
    "七": "num-7",
    "八": "num-8",
    "九": "num-9",
    "十": "num-10",
    "百": "num-100",
    "千": "num-1000",
    "万": "num-wan",
    "亿": "num-yi",
    "负": "num-minus",
}

CLIPS: dict[str, Clip] = {
    **{cid: Clip(cid, text, "screen") for cid, text in _SCREENS},
    **{f"error-{code}": Clip(f"error-{code}", text, "refusal") for code, text in _REFUSALS},
    **{cid: Clip(cid, text, "number") for text, cid in NUMBER_WORDS.items()},
}

REFUSAL_CODES = tuple(code for code, _ in _REFUSALS)


def get(clip_id: str) -> Clip | None:
    """The clip of that id, or None (ids from a URL or a form are checked here)."""
    return CLIPS.get(clip_id) if isinstance(clip_id, str) else None
