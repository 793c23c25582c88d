"""The villager's phone page (手机查询页, H5) at /m: a household's balance, history, the
village's notice, ranking, rules and goods, its applications with photos, and public pages a
village may open. Plain pages that read without JavaScript; see docs/PHONE.md."""

from __future__ import annotations

from flask import Flask

from .common import bp


def init_app(app: Flask) -> None:
    if "phone" in app.blueprints:
        return
    from . import activity_views, public, views  # noqa: F401  (they register their pages on bp)

    app.register_blueprint(bp)
