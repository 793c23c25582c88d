"""Every value written fits its column, on every engine: one check derived from the models.

PostgreSQL refuses a string longer than its VARCHAR, a NUL byte and an integer beyond int4/int8
with an error the edge can only show as a 500; SQLite stores them silently. This `before_flush`
hook reads each new or changed row's values against its own column types (the models are the
schema) and refuses with a DomainError naming `<table>.<column>` before any SQL runs: too long
for the column (text_too_long), control characters, tab and line breaks excepted in text
(invalid_characters), an integer out of the column's range (number_too_large). The edge shows
it as the form's error or a 422.
"""

from __future__ import annotations

import re

from sqlalchemy import BigInteger, Integer, SmallInteger, String, Text, event, inspect
from sqlalchemy.orm import Session

from shop.errors import DomainError

INT4 = (-(2**31), 2**31 - 1)
INT8 = (-(2**63), 2**63 - 1)
# Control characters (Unicode Cc: C0, DEL, C1) except tab, LF and CR, which a text area sends;
# and the line/paragraph separators. Names are held stricter still by shop.text.plain_text.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029]")


def _bounds(column_type) -> tuple[int, int] | None:
    if isinstance(column_type, BigInteger):
        return INT8
    if isinstance(column_type, SmallInteger):
        return (-(2**15), 2**15 - 1)
    if isinstance(column_type, Integer):
        return INT4
    return None


def problem(column, value) -> str | None:
    """Why `value` does not fit `column`, or None."""
    if value is None:
        return None
    kind = column.type
    if isinstance(value, str):
        if "\x00" in value or CONTROL.search(value):
            return "control characters"
        length = getattr(kind, "length", None)
        if (
            isinstance(kind, String)
            and not isinstance(kind, Text)
            and length
            and len(value) > length
        ):
            return f"longer than {length} characters"
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        bounds = _bounds(kind)
        if bounds and not bounds[0] <= value <= bounds[1]:
            return "number out of range"
    return None


def refusal(why: str) -> str:
    """The code a person reads for a `problem`: each says what is wrong in its own words."""
    if why == "control characters":
        return "invalid_characters"
    return "number_too_large" if why == "number out of range" else "text_too_long"


@event.listens_for(Session, "before_flush")
def _every_value_fits_its_column(session: Session, _context, _instances) -> None:
    for obj in (*session.new, *session.dirty):
        state = inspect(obj)
        for attr in state.mapper.column_attrs:
            if attr.key not in state.dict:
                continue  # not loaded, so not changed
            if not state.pending and not state.attrs[attr.key].history.has_changes():
                continue  # an old value is not this write's
            column = attr.columns[0]
            why = problem(column, state.dict[attr.key])
            if why:
                raise DomainError(refusal(why), f"{column.table.name}.{column.name}: {why}")
