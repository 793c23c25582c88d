"""Domain errors: a stable `code` the UI and API map to a screen or a status, and a message in
Simplified Chinese and English. Tests assert the code, never the wording."""

from __future__ import annotations

# code -> (HTTP status for the JSON API, 中文, English)
MESSAGES: dict[str, tuple[int, str, str]] = {
    "unknown_code": (
        404,
        "这张卡认不出来，请找管理员。",
        "This card is not recognised. Please ask the staff.",
    ),
    "damaged_code": (
        422,
        "没扫清楚，请再扫一次。",
        "The code did not scan cleanly. Please scan again.",
    ),
    "passbook_revoked": (
        410,
        "这本积分存折已挂失，请找管理员。",
        "This passbook was reported lost. Please ask the staff.",
    ),
    "household_inactive": (
        409,
        "这户暂停兑换，请找管理员。",
        "This household is paused. Please ask the staff.",
    ),
    "household_locked": (
        423,
        "密码错太多次，已锁定，请找管理员。",
        "Too many wrong PINs: locked. Please ask the staff.",
    ),
    "unknown_household": (404, "没有这一户。", "No such household."),
    "insufficient_points": (409, "积分不够。", "Not enough points."),
    "out_of_stock": (409, "这件商品没货了。", "This item is out of stock."),
    "invalid_quantity": (422, "数量不对。", "That quantity is not allowed."),
    "empty_basket": (422, "还没有选商品。", "Nothing has been chosen yet."),
    "unknown_product": (404, "没有这件商品。", "No such item."),
    "product_inactive": (409, "这件商品已下架。", "This item is no longer offered."),
    "unknown_rule": (404, "没有这个积分项目。", "No such points item."),
    "rule_retired": (409, "这个积分项目已停用。", "This points item has been retired."),
    "invalid_points": (422, "分值不对。", "That number of points is not allowed."),
    "idempotency_conflict": (
        409,
        "同一个请求号用在了不同的内容上，已拒绝。",
        "This request key was already used for different content.",
    ),
    "unknown_receipt": (404, "没有这张小票。", "No such receipt."),
    "already_voided": (409, "这张小票已经作废了。", "This receipt is already void."),
    "reason_required": (422, "请写明原因。", "Please give a reason."),
    "unknown_kiosk": (404, "没有这台兑换机。", "No such kiosk."),
    "unknown_village": (404, "没有这个村。", "No such village."),
    "duplicate": (409, "已经有了，不能重复。", "That already exists."),
    "invalid_input": (422, "填写的内容不对。", "The input is not valid."),
    "invalid_characters": (
        422,
        "填写的内容里有不能用的特殊字符（如换行、制表符），请重新输入。",
        "The text contains characters that cannot be used (such as line breaks or tabs).",
    ),
    "database_unavailable": (
        503,
        "系统暂时连不上，请稍后再试。",
        "The system is unreachable. Please try again shortly.",
    ),
    # Stock, windows, limits and day close (shop/receiving, stocktake, limits, dayclose).
    "outside_window": (
        409,
        "现在不是兑换时间，请在兑换期内再来。",
        "Redemption is closed now. Please come back in the next redemption period.",
    ),
    "limit_reached": (
        409,
        "这件商品本期每户限兑的数量已经用完了。",
        "This household has reached this item's limit for the period.",
    ),
    "day_closed": (
        409,
        "今天已经日结，不能再兑换。",
        "Today has been closed by the clerk; no more redemptions today.",
    ),
    "stocktake_open": (409, "已经有一个盘点在进行中。", "A stocktake is already in progress."),
    "stocktake_closed": (
        409,
        "这次盘点已经结束，不能再改。",
        "This stocktake is finished and can no longer change.",
    ),
    "unknown_stocktake": (404, "没有这次盘点。", "No such stocktake."),
    "invalid_picture": (422, "图片无法识别。", "The picture could not be read."),
    # Going live: villages, kiosks and the first run (shop/regions).
    "invalid_code": (
        422,
        "编号只能用字母、数字和短横线，不能有空格或汉字。",
        "Codes use letters, digits and dashes only.",
    ),
    "name_required": (422, "请填写名称。", "Please fill in the name."),
    "demo_mix": (
        409,
        "演示村和正式村不能放在同一个数据库里。正式开通请用新的数据库。",
        "A demo village and a real village cannot share a database. Start a real one afresh.",
    ),
    "already_set_up": (
        409,
        "这个系统已经开通过了。",
        "This system has already been set up.",
    ),
    "kiosk_required": (422, "至少要有一台兑换机。", "At least one kiosk is needed."),
    "kiosk_retired": (
        409,
        "这台兑换机已停用，不能再兑换。",
        "This kiosk has been retired and cannot redeem.",
    ),
}


class DomainError(Exception):
    """A refusal the shop's users understand. `code` is stable; messages are translated."""

    def __init__(self, code: str, detail: str | None = None, **context: object) -> None:
        if code not in MESSAGES:
            raise ValueError(f"unknown domain error code {code!r}")
        self.code = code
        self.detail = detail
        self.context = context
        super().__init__(f"{code}: {detail}" if detail else code)

    @property
    def status(self) -> int:
        return MESSAGES[self.code][0]

    def message(self, lang: str = "zh") -> str:
        _, zh, en = MESSAGES[self.code]
        return en if lang.startswith("en") else zh
