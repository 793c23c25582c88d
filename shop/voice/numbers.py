"""Numbers read the Chinese way (中文读数), for the kiosk's voice: 1205 → 一千二百零五.

The rules, as a villager hears them:

- Groups of four digits: 个 … 千, then 万, then 亿 (1,0000 is 一万, 1,0000,0000 is 一亿).
- Inside a group, each skipped place before a spoken digit reads 零 once: 1205 → 一千二百零五,
  1010 → 一千零一十, 10,0010 → 十万零一十, 1,0001,0000 → 一亿零一万.
- A leading 1 before 十 is silent at the head of the number: 10 → 十, 15 → 十五, 10,0000 → 十万;
  elsewhere it is said: 110 → 一百一十, 1010 → 一千零一十.
- 2 reads 两 before 千, 万 and 亿, and alone as a count (两分: two points); 二 otherwise:
  两千, 两万, 一万两千, 二百 (as in 一千二百零五), 二十, 十二, 两万二千.
- A negative number starts with 负 (a household can be below zero after a deduction): 负二,
  负五十.
"""

from __future__ import annotations

DIGITS = "零一二三四五六七八九"
PLACES = ("", "十", "百", "千")
GROUPS = ("", "万", "亿")
LIMIT = 10**12  # up to 九千九百九十九亿…: far beyond any balance; larger numbers are refused


def _group(value: int, *, head: bool) -> str:
    """One group of up to four digits (1..9999), without its 万/亿. `head`: it starts the
    number (a leading 1 before 十 is then silent)."""
    out: list[str] = []
    digits = [(value // 10**p) % 10 for p in (3, 2, 1, 0)]
    started = False
    pending_zero = False
    for index, digit in enumerate(digits):
        place = 3 - index
        if digit == 0:
            if started:
                pending_zero = True
            continue
        if pending_zero:
            out.append("零")
            pending_zero = False
        if digit == 1 and place == 1 and head and not started:
            out.append("十")
        elif digit == 2 and place == 3:
            out.append("两千")
        else:
            out.append(DIGITS[digit] + PLACES[place])
        started = True
    return "".join(out)


def hanzi(number: int) -> str:
    """The way a number is read aloud in Mandarin: 1205 → 一千二百零五, 20000 → 两万."""
    if isinstance(number, bool) or not isinstance(number, int):
        raise TypeError(f"an int, not {number!r}")
    if not -LIMIT < number < LIMIT:
        raise ValueError(f"{number} is too large to read")
    if number < 0:
        return "负" + ("二" if number == -2 else hanzi(-number))
    if number == 0:
        return "零"
    if number == 2:
        return "两"
    groups = []
    rest = number
    while rest:
        groups.append(rest % 10000)
        rest //= 10000
    out: list[str] = []
    pending_zero = False
    top = len(groups) - 1
    for level in range(top, -1, -1):
        value = groups[level]
        if value == 0:
            pending_zero = bool(out)
            continue
        # A gap before this group (a zero group, or fewer than four digits in it) reads 零 once.
        if out and (pending_zero or value < 1000):
            out.append("零")
        pending_zero = False
        text = _group(value, head=level == top)
        if level and value == 2:
            text = "两"  # 两万, 两亿 (but 十二万, 二十万)
        out.append(text + GROUPS[level])
    return "".join(out)


def parse(text: str) -> int:
    """Back from hanzi to the number (for tests and for reading a clip list): 一千零一十 → 1010."""
    if text.startswith("负"):
        return -parse(text[1:])
    values = {c: i for i, c in enumerate(DIGITS)} | {"两": 2}
    units = {"十": 10, "百": 100, "千": 1000}
    big = {"万": 10**4, "亿": 10**8}
    total = section = digit = 0
    seen_any = False
    for char in text:
        seen_any = True
        if char in values:
            digit = values[char]
        elif char in units:
            section += (digit or 1) * units[char]
            digit = 0
        elif char in big:
            section += digit
            digit = 0
            total = (total + section) * big[char] if char == "亿" else total + section * big[char]
            section = 0
        else:
            raise ValueError(f"not a Chinese numeral: {text!r}")
    if not seen_any:
        raise ValueError("empty")
    return total + section + digit
