"""Plain text a person typed: refuse control characters at the door (issue 14.6).

A name or a reason ends up on receipts, PDFs, exports and the notice board. An ESC, a NUL or a
line break inside a product name, a void reason or a staff member's name once made a day-close
export impossible after the close had committed; and on paper it becomes a printer command.
So every service that stores such a name passes it through `plain_text` first, whichever edge
(back-office form, API, CLI, import) it came from. The exports guard themselves as well
(shop.sheets), for data that got in before this check.

This is a small validator in the domain, to be absorbed by the project's one input-validation
mechanism when that lands; the rule (Unicode category Cc, and the line and paragraph separators)
stays the same.
"""

from __future__ import annotations

import unicodedata

from shop.errors import DomainError

FORBIDDEN_CATEGORIES = ("Cc", "Zl", "Zp")


def has_control(text: str) -> bool:
    return any(unicodedata.category(ch) in FORBIDDEN_CATEGORIES for ch in text)


def plain_text(value, field: str, *, max_length: int | None = None) -> str:
    """`value` stripped; DomainError('invalid_characters') if it holds a control character
    (a tab, a line break, ESC, NUL …), 'text_too_long' if it is longer than `max_length`."""
    text = "" if value is None else str(value).strip()
    if has_control(text):
        raise DomainError("invalid_characters", field, field=field)
    if max_length is not None and len(text) > max_length:
        raise DomainError("text_too_long", f"{field}: longer than {max_length}", field=field)
    return text
