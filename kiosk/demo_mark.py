"""演示: every screen of a database that holds the demo village says so, on the kiosk, in the
back-office and on paper, so demo data is never taken for a real village's.

Whether the database is the demo's is known once a village exists, and never changes after
(a demo village cannot become real, and a real database refuses the demo), so it is read once.
"""

from __future__ import annotations

from flask import Flask, current_app
from sqlalchemy import select

from shop.models import Village

from .db import reading

_KEY = "kiosk_demo_mark"


def is_demo() -> bool:
    known = current_app.extensions.get(_KEY)
    if known is not None:
        return known
    with reading() as session:
        first = session.execute(select(Village.is_demo).order_by(Village.id).limit(1)).first()
    if first is None:
        return False  # no village yet: ask again next time
    current_app.extensions[_KEY] = bool(first[0])
    return current_app.extensions[_KEY]


def init_app(app: Flask) -> None:
    app.jinja_env.globals["is_demo"] = is_demo
