"""Column arithmetic for receipt paper: how wide a string prints, wrapping, padding.

The paper is a grid of columns (32 on 58 mm, 48 on 80 mm): an ASCII character takes one column,
every double-byte character two (a 24-dot Hanzi cell). The rule itself is cjkwidth's, the same
function the printer adapters (hardware/) count with.
"""

from __future__ import annotations

from collections.abc import Iterator

# The rule, and the names shop.paper gives callers for it:
from cjkwidth import char_width as char_width
from cjkwidth import clean_text as clean_text
from cjkwidth import display_width as display_width


def _tokens(text: str) -> Iterator[str]:
    """Split into wrap units: runs of ASCII non-space characters, single spaces, single others."""
    word = ""
    for ch in text:
        if " " < ch <= "~":
            word += ch
            continue
        if word:
            yield word
            word = ""
        yield ch
    if word:
        yield word


#: Characters a Chinese line never starts with (禁则): closing punctuation and marks.
NO_LINE_START = frozenset("，。、；：？！）」』】》〉’”…—·,.;:?!)]}%")
#: Characters a line never ends with: opening brackets and quotes.
NO_LINE_END = frozenset("（「『【《〈‘“([{")


def wrap(text: str, width: int) -> list[str]:
    """Wrap to lines of at most ``width`` columns.

    Hanzi may break anywhere; ASCII words break at spaces unless a word alone is too wide. No
    line starts with a closing mark (，。）…) nor ends with an opening one (（《): the character
    before it moves down with it (禁则). Always returns at least one line.
    """
    if width < 2:
        raise ValueError("width must be at least 2 columns")
    lines: list[list[str]] = []
    line: list[str] = []
    used = 0

    def new_line(first: list[str]) -> None:
        nonlocal line, used
        lines.append(line)
        line = first
        used = sum(display_width(t) for t in first)

    for token in _tokens(clean_text(text)):
        w = display_width(token)
        if used + w <= width:
            line.append(token)
            used += w
            continue
        if token == " ":
            new_line([])
            continue
        if w > width:  # a word longer than the line: cut it character by character
            for ch in token:
                cw = char_width(ch)
                if used + cw > width:
                    new_line([])
                line.append(ch)
                used += cw
            continue
        carried = [token]
        # 禁则: take characters from the end of this line down with a closing mark, and
        # never leave an opening mark at a line's end; never empty the line doing so.
        while (
            len(line) > 1
            and (carried[0][0] in NO_LINE_START or line[-1][-1:] in NO_LINE_END)
            and sum(display_width(t) for t in carried) + display_width(line[-1]) <= width
        ):
            carried.insert(0, line.pop())
        new_line(carried)
    lines.append(line)
    return ["".join(tokens).rstrip() for tokens in lines] or [""]


def fit(text: str, width: int) -> str:
    """Cut a string to ``width`` columns, marking the cut with an ellipsis when there is room."""
    text = clean_text(text)
    if display_width(text) <= width:
        return text
    out, used = "", 0
    for ch in text:
        cw = char_width(ch)
        if used + cw > width - 2:
            break
        out += ch
        used += cw
    return out + "…"


def pad_right(text: str, width: int) -> str:
    return text + " " * max(0, width - display_width(text))


def pad_left(text: str, width: int) -> str:
    return " " * max(0, width - display_width(text)) + text


def center(text: str, width: int) -> str:
    spare = max(0, width - display_width(text))
    return " " * (spare // 2) + text + " " * (spare - spare // 2)
