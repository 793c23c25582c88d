"""What each kiosk screen says (每个屏幕的一句话), as a list of clip ids.

Numbers are composed from digit and unit clips (shop.voice.numbers reads them the Chinese way),
so "您家还有一百三十五分" is balance-is · 一 · 百 · 三 · 十 · 五 · points.
"""

from __future__ import annotations

from .clips import NUMBER_WORDS, REFUSAL_CODES
from .numbers import hanzi


def number(value: int) -> list[str]:
    """The clips that say `value`: 1205 → 一 千 二 百 零 五."""
    return [NUMBER_WORDS[char] for char in hanzi(int(value))]


def points(value: int) -> list[str]:
    """ "N分": a number of points."""
    return [*number(value), "points"]


def refusal(code: str | None) -> list[str]:
    """The refusal screen of `code`; a code without its own clip says the general one."""
    return [f"error-{code}" if code in REFUSAL_CODES else "error-problem"]


def waiting() -> list[str]:
    return ["scan-passbook"]


def household(balance: int, refused: str | None = None, closed: str | None = None) -> list[str]:
    """您家还有N分; after a refusal at the last step the reason first; when the shop is not
    redeeming (`closed`: outside_window, day_closed) the reason after."""
    before = refusal(refused) if refused else []
    after = refusal(closed) if closed else []
    return [*before, "balance-is", *points(balance), *after]


def confirm(total: int) -> list[str]:
    """一共N分，请按确认兑换."""
    return ["confirm-total", *points(total), "confirm-press"]


def pin(wrong: bool = False) -> list[str]:
    return ["pin-wrong" if wrong else "pin-enter"]


def done(balance_after: int, *, printer_failed: bool = False) -> list[str]:
    """兑换成功，请取小票，还剩N分; the printer's failure instead when it failed."""
    if printer_failed:
        return ["printer-failed"]
    return ["done-take", "points-left", *points(balance_after)]


def apply() -> list[str]:
    return ["apply-choose"]


def applied() -> list[str]:
    return ["applied"]


def still_there() -> list[str]:
    return ["still-there"]


def switch() -> list[str]:
    return ["switch-ask"]


def who() -> list[str]:
    return ["who-ask"]


SCREENS = {
    "waiting": waiting,
    "household": household,
    "confirm": confirm,
    "pin": pin,
    "done": done,
    "error": refusal,
    "apply": apply,
    "applied": applied,
    "still_there": still_there,
    "switch": switch,
    "who": who,
}


def say(screen: str, *args, **kwargs) -> list[str]:
    """The clips of `screen` ("waiting", "household", …) with its numbers."""
    return SCREENS[screen](*args, **kwargs)
