"""What goes on a slip of paper: receipts (兑换小票), statements (积分明细) and the test page.

Each document lays itself out for a paper width as a :class:`Layout`: a list of rows already
wrapped and padded to the column count (32 on 58 mm paper, 48 on 80 mm; a Hanzi takes two). The
same layout is written to the printer (``hardware.printing.to_escpos``) and shown on screen
(``hardware.printing.to_html`` and ``templates/hardware/_receipt.html``), so what the villager
sees is what the paper says.

Names and amounts come in as the shop wrote them; this module only masks the head's name, formats
dates and points, and wraps.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

from shop.paper.layout import Builder, Layout
from shop.paper.text import clean_text, pad_left, pad_right
from shop.words import N_, in_language

Lang = Literal["zh", "en"]

#: Versioned QR payloads. A receipt's QR carries its number and verify code, never a name.
RECEIPT_QR_PREFIX = "JR1"
TEST_QR_PREFIX = "JT1"


# --- words, dates, points, names ---------------------------------------------------------------

_LABELS: dict[str, object] = {
    "receipt": N_("兑换小票"),
    "statement": N_("积分明细"),
    "no": N_("单号："),
    "time": N_("时间："),
    "printed": N_("打印："),
    "kiosk": N_("终端："),
    "household": N_("户号："),
    "head": N_("户主："),
    "visitor": N_("来兑换的人："),
    "total": N_("合计"),
    "refund": N_("退回积分"),
    "balance": N_("余额"),
    "verify": N_("校验码"),
    "reprint": N_("重打印（第{n}次）"),
    "void": N_("作废"),
    "void_reason": N_("作废原因："),
    "void_note": N_("本单已作废，积分已退回"),
    "keep": N_("请妥善保管小票，凭校验码核对"),
    "date": N_("日期"),
    "item": N_("项目"),
    "delta": N_("积分"),
    "running": N_("余额"),
    "no_rows": N_("暂无积分记录"),
    "current": N_("当前余额"),
    "phone": N_("手机扫码查积分（不能兑换）"),
    "test": N_("打印测试"),
    "printer": N_("打印机："),
    "paper": N_("纸宽："),
    "charset": N_("字符集："),
    "cut": N_("切纸："),
    "yes": N_("是"),
    "no_": N_("否"),
    "mode": N_("模式："),
    "modes": {"text": N_("文字"), "picture": N_("图片")},
    "mode_a": N_("A 文字：积分超市 兑换小票"),
    "mode_b": N_("B 图片：积分超市 兑换小票"),
    "mode_help": (
        N_("A、B两行都清楚：用文字模式（快）。"),
        N_("A行乱码、B行清楚：打印机没有中文字库，请管理员把它设为图片模式。"),
    ),
}


def _labels(lang: str) -> dict:
    """The slip's words in its language, from the catalogues (shop.words: one mechanism)."""
    if lang not in ("zh", "en"):
        raise ValueError(f"lang must be 'zh' or 'en', not {lang!r}")
    return in_language(_LABELS, lang)


def format_datetime(moment: datetime, lang: Lang = "zh") -> str:
    """2026年11月23日 14:05 (zh) or 2026-11-23 14:05 (en), in the moment's own time zone."""
    if lang == "zh":
        return f"{moment.year}年{moment.month}月{moment.day}日 {moment:%H:%M}"
    return f"{moment:%Y-%m-%d %H:%M}"


def format_points(points: int, lang: Lang = "zh", *, signed: bool = False) -> str:
    """120分 / 120 pts; ``signed`` adds + to gains (statements)."""
    number = f"{points:+d}" if signed else f"{points:d}"
    return f"{number}分" if lang == "zh" else f"{number} pts"


def _is_cjk(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in ("W", "F")


def mask_name(name: str) -> str:
    """The head's name as printed on paper a stranger may pick up.

    Chinese names keep the first and last character: 张三丰 → 张*丰, 张三 → 张*,
    欧阳娜娜 → 欧**娜; the dot of transliterated names stays (买买提·艾力 → 买**·*力).
    Latin names keep each word's initial: John Smith → J*** S****.
    """
    name = clean_text(name).strip()
    if len(name) <= 1:
        return name
    if any(_is_cjk(ch) for ch in name):
        if len(name) == 2:
            return name[0] + "*"
        middle = "".join(ch if ch in "·•・. " else "*" for ch in name[1:-1])
        return name[0] + middle + name[-1]
    return " ".join(
        word[0] + "*" * (len(word) - 1) if len(word) > 1 else word for word in name.split()
    )


_SLUG_UNSAFE = re.compile(r"[^0-9A-Za-z._-]+")


def _slug(*parts: str) -> str:
    return "-".join(_SLUG_UNSAFE.sub("_", part).strip("._") or "_" for part in parts)


def _check_aware(moment: datetime, name: str) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")


# --- documents ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReceiptLine:
    """One line of goods: 洗衣液 2 袋 × 30 分 = 60 分."""

    name: str
    qty: int
    unit: str
    points_each: int
    points_total: int


@dataclass(frozen=True)
class Receipt:
    """A redemption receipt (兑换小票), its reprints (重打印) and its void slip (作废).

    ``head_name`` is the full name; the receipt masks it. ``verify_code`` is the first 8-12
    characters of the redemption's journal hash. ``printed_at`` is when this paper is printed;
    ``redeemed_at`` (default: ``printed_at``) when the redemption happened; on a reprint or void
    slip both are shown.
    """

    shop_name: str
    kiosk_name: str
    receipt_no: str
    printed_at: datetime
    household_no: str
    head_name: str
    lines: Sequence[ReceiptLine]
    total: int
    balance_after: int
    verify_code: str
    reprint_count: int = 0
    is_void: bool = False
    void_reason: str = ""
    lang: Lang = "zh"
    redeemed_at: datetime | None = None
    visitor: str = ""  # 来兑换的人, when the kiosk asked (shop.households.visitors); masked

    def __post_init__(self) -> None:
        _check_aware(self.printed_at, "printed_at")
        if self.redeemed_at is not None:
            _check_aware(self.redeemed_at, "redeemed_at")
        _labels(self.lang)
        for value, what in ((self.receipt_no, "receipt_no"), (self.verify_code, "verify_code")):
            if not value or ":" in value or any(ch.isspace() for ch in value):
                raise ValueError(f"{what} must be non-empty, without ':' or spaces")
        if self.reprint_count < 0:
            raise ValueError("reprint_count must be >= 0")
        object.__setattr__(self, "lines", tuple(self.lines))

    @property
    def masked_head_name(self) -> str:
        return mask_name(self.head_name)

    @property
    def qr_payload(self) -> str:
        """``JR1:<receipt_no>:<verify_code>``: what the clerk scans to look the receipt up."""
        return f"{RECEIPT_QR_PREFIX}:{self.receipt_no}:{self.verify_code}"

    @property
    def slug(self) -> str:
        kind = "void" if self.is_void else "receipt"
        suffix = (f"r{self.reprint_count}",) if self.reprint_count else ()
        return _slug(kind, self.receipt_no, *suffix)

    def layout(self, columns: int) -> Layout:
        t = _labels(self.lang)
        lang = self.lang
        b = Builder(columns)
        b.title(self.shop_name)
        b.text(t["receipt"], align="center")
        if self.is_void:
            b.title(f"*** {t['void']} ***")
        if self.reprint_count:
            # As large as 作废: a second copy must not pass for the original at a glance.
            b.title(f"** {t['reprint'].format(n=self.reprint_count)} **")
        b.rule()
        b.field(t["no"], self.receipt_no)
        redeemed_at = self.redeemed_at or self.printed_at
        b.field(t["time"], format_datetime(redeemed_at, lang))
        if (self.reprint_count or self.is_void) and redeemed_at != self.printed_at:
            b.field(t["printed"], format_datetime(self.printed_at, lang))
        b.field(t["kiosk"], self.kiosk_name)
        b.fields((t["household"], self.household_no), (t["head"], self.masked_head_name))
        if self.visitor:
            b.field(t["visitor"], mask_name(self.visitor))
        if self.is_void:
            b.field(t["void_reason"], self.void_reason or "-")
        b.rule()
        times = "×" if lang == "zh" else "x"
        for line in self.lines:
            b.text(line.name)
            joiner = "" if lang == "zh" and not line.unit.isascii() else " "
            qty = f"{line.qty}{joiner}{line.unit}"
            detail = f"  {qty} {times} {format_points(line.points_each, lang)}"
            b.pair(detail, format_points(line.points_total, lang))
        b.rule()
        if self.is_void:
            b.pair(t["refund"], format_points(self.total, lang, signed=True), bold=True)
        else:
            b.pair(t["total"], format_points(self.total, lang), bold=True)
        b.pair(t["balance"], format_points(self.balance_after, lang))
        b.pair(t["verify"], self.verify_code)
        b.qr(self.qr_payload)
        b.text(t["void_note"] if self.is_void else t["keep"], align="center")
        return b.build(self.slug)


@dataclass(frozen=True)
class StatementRow:
    """One entry of a household's points history: date, what for, ±points, balance after."""

    on: date
    item: str
    delta: int
    balance: int


@dataclass(frozen=True)
class StatementSlip:
    """A household's points statement (积分明细) printed on receipt paper."""

    shop_name: str
    household_no: str
    head_name: str
    rows: Sequence[StatementRow]
    printed_at: datetime
    lang: Lang = "zh"
    title: str = ""  # e.g. "2026年第四季度"; shown under the heading
    # The household's phone page link (its query code, 查询码): a second QR at the foot.
    phone_link: str = ""

    def __post_init__(self) -> None:
        _check_aware(self.printed_at, "printed_at")
        _labels(self.lang)
        object.__setattr__(self, "rows", tuple(self.rows))

    @property
    def slug(self) -> str:
        return _slug("statement", self.household_no, f"{self.printed_at:%Y%m%d-%H%M%S}")

    def layout(self, columns: int) -> Layout:
        t = _labels(self.lang)
        b = Builder(columns)
        b.title(self.shop_name)
        b.text(t["statement"], align="center")
        if self.title:
            b.text(self.title, align="center")
        b.rule()
        b.fields((t["household"], self.household_no), (t["head"], mask_name(self.head_name)))
        b.field(t["printed"], format_datetime(self.printed_at, self.lang))
        b.rule()
        if not self.rows:
            b.text(t["no_rows"], align="center")
            self._phone_qr(b, t)
            return b.build(self.slug)
        same_year = all(
            row.on.year == self.printed_at.year for row in self.rows
        )  # then MM-DD is enough and leaves room for the item
        date_fmt = "%m-%d" if same_year else "%Y-%m-%d"
        # Numbers right-aligned in two fixed columns so they line up down the slip.
        delta_w, balance_w = 6, 7
        b.pair(
            f"{t['date']} {t['item']}",
            pad_left(t["delta"], delta_w) + pad_left(t["running"], balance_w),
        )
        for row in self.rows:
            b.pair(
                f"{row.on:{date_fmt}} {row.item}",
                pad_left(f"{row.delta:+d}", delta_w) + pad_left(f"{row.balance:d}", balance_w),
            )
        b.rule()
        b.pair(t["current"], format_points(self.rows[-1].balance, self.lang), bold=True)
        self._phone_qr(b, t)
        return b.build(self.slug)

    def _phone_qr(self, b: Builder, t: dict) -> None:
        if self.phone_link:
            b.rule()
            b.text(t["phone"], align="center")
            b.qr(self.phone_link)


#: Characters the test page prints: ASCII, GBK, GB18030 two-byte (not in GB2312), and
#: characters no printer font has (drawn as a picture whatever the charset).
TEST_ASCII = "ASCII: Kiosk 0123456789 #$%&@"
TEST_GBK = "GBK: 积分超市 洗衣液 ￥12.50"
TEST_GB18030 = "GB18030: 堃 喆 犇 镕"
TEST_PICTURE = "图片: 㐀 䶮 ★"


@dataclass(frozen=True)
class TestPage:
    """The printer test page (打印测试): settings, a ruler, every kind of text, a QR, a cut."""

    __test__ = False  # not a pytest test class, whatever its name

    printed_at: datetime
    printer_url: str = ""
    width_mm: int = 58
    charset: str = "gb18030"
    can_cut: bool = True
    lang: Lang = "zh"
    extra: tuple[str, ...] = ()
    mode: str = "text"  # the printer's mode as configured: text | picture

    def __post_init__(self) -> None:
        _check_aware(self.printed_at, "printed_at")
        _labels(self.lang)

    @property
    def qr_payload(self) -> str:
        return f"{TEST_QR_PREFIX}:{self.printed_at:%Y%m%d%H%M%S}"

    @property
    def slug(self) -> str:
        return _slug("testpage", f"{self.printed_at:%Y%m%d-%H%M%S}")

    def layout(self, columns: int) -> Layout:
        t = _labels(self.lang)
        b = Builder(columns)
        b.title(t["test"])
        b.text(format_datetime(self.printed_at, self.lang), align="center")
        b.rule()
        b.field(t["printer"], self.printer_url or "-")
        b.field(t["paper"], f"{self.width_mm} mm, {columns} cols")
        b.field(t["charset"], self.charset)
        b.field(t["cut"], t["yes"] if self.can_cut else t["no_"])
        b.field(t["mode"], t["modes"].get(self.mode, self.mode))
        for line in self.extra:
            b.text(line)
        b.rule()
        ruler = "".join(str(i % 10) for i in range(1, columns + 1))
        b.text(ruler)
        hanzi = "一二三四五六七八九十" * (columns // 20 + 1)
        b.text(hanzi[: columns // 2])
        b.text(pad_right("|<", columns - 2) + ">|")
        b.rule()
        for sample in (TEST_ASCII, TEST_GBK, TEST_GB18030, TEST_PICTURE):
            b.text(sample)
        b.pair("左 left", "right 右")
        # Which mode this printer needs (issue 13, item 4): the same words in its own font (A)
        # and drawn (B); the advice is drawn too, so a printer without Hanzi still shows it.
        b.rule()
        b.text(t["mode_a"])
        b.text(t["mode_b"], picture=True)
        for advice in t["mode_help"]:
            b.text(advice, picture=True)
        b.rule("=")
        b.qr(self.qr_payload)
        b.text(self.qr_payload, align="center")
        return b.build(self.slug)
