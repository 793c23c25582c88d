"""Languages: Simplified Chinese first, English one tap away (Flask-Babel).

Source strings are English; `translations/zh_CN` carries the Chinese. The villager's choice lives
in the session for one visit only: every reset brings the kiosk back to the configured language.
Names from the database (goods, rules, units, villager groups) have their own English columns or
small tables here, since Babel only translates what is written in the code.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from pathlib import Path

from babel.support import Translations
from flask import Flask, current_app, session
from flask_babel import Babel, gettext

from shop.errors import MESSAGES, SHORT_OF_POINTS, DomainError

TRANSLATIONS = Path(__file__).resolve().parent.parent / "translations"
LANGS = ("zh_CN", "en")
SESSION_KEY = "lang"

# Units of goods as the shop writes them (Product.unit), in English.
UNIT_EN = {
    "瓶": "bottle",
    "块": "bar",
    "支": "tube",
    "条": "piece",
    "提": "pack",
    "袋": "bag",
    "桶": "drum",
    "把": "piece",
    "个": "piece",
    "包": "pack",
    "盒": "box",
    "件": "item",
    "双": "pair",
    "斤": "jin",
}
_GROUP = re.compile(r"^第([一二三四五六七八九十\d]+)村民小组$")
_NUMERALS = {ch: i for i, ch in enumerate("一二三四五六七八九十", start=1)}


def configured_locale() -> str:
    lang = current_app.config.get("LANGUAGE", "zh_CN")
    return "en" if str(lang).startswith("en") else "zh_CN"


def select_locale() -> str:
    chosen = session.get(SESSION_KEY)
    return chosen if chosen in LANGS else configured_locale()


def lang() -> str:
    """'zh' or 'en': the short form the domain's and printer's messages take."""
    return "en" if select_locale() == "en" else "zh"


def other_locale() -> str:
    return "zh_CN" if select_locale() == "en" else "en"


# English words, snake_case and refs: how a detail written for the log looks.
_MACHINE_DETAIL = re.compile(r"[A-Za-z]{3,}|_|[a-z]+:")


def detail_for_people(error: DomainError) -> str | None:
    """A refusal's detail as the domain wrote it, when it is meant for people: the village's own
    data (a household number, a name) or a Chinese word marked with N_ (村名), which the edge
    translates. None for a detail in the log's words (`batch key`, `field 'unit'`). Judged before
    translating, since a marked word read in English has Latin letters too."""
    detail = error.detail
    if detail and error.shown:
        return detail  # the village's data, marked where it was raised (GJG-001)
    return detail if detail and not _MACHINE_DETAIL.search(detail) else None


def error_text(error: DomainError | str) -> str:
    """A domain refusal (the error or its code) in the reader's language."""
    if isinstance(error, DomainError) and error.shortfall is not None:
        return gettext(SHORT_OF_POINTS, short=error.shortfall)  # 还差N分
    code = error if isinstance(error, str) else error.code
    return gettext(MESSAGES[code][1])


@functools.cache
def _catalogue(locale: str) -> Translations:
    return Translations.load(str(TRANSLATIONS), [locale])


def in_both(text: str) -> str:
    """Chinese text marked for the catalogues, then its English: for the command line, where
    there is no reader's choice."""
    english = _catalogue("en").gettext(text)
    return text if english == text else f"{text} / {english}"


def product_name(product) -> str:
    return product.name_en if lang() == "en" and product.name_en else product.name


def unit_name(unit: str) -> str:
    return UNIT_EN.get(unit, unit) if lang() == "en" else unit


def rule_name(rule) -> str:
    return rule.name_en if lang() == "en" and rule.name_en else rule.name


def group_name(name: str) -> str:
    if lang() != "en" or not name:
        return name
    match = _GROUP.match(name)
    if not match:
        return name
    number = match.group(1)
    value = int(number) if number.isdigit() else _NUMERALS.get(number, number)
    return f"Villager group {value}"


def day(value: dt.date) -> str:
    """A date the way the shop writes it: 2026年12月1日 / 1 December 2026."""
    if lang() == "zh":
        return f"{value.year}年{value.month}月{value.day}日"
    return f"{value.day} {value.strftime('%B')} {value.year}"


def init_app(app: Flask) -> Babel:
    app.config.setdefault("BABEL_DEFAULT_LOCALE", "zh_CN")
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", app.config["TIMEZONE"])
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS))
    babel = Babel(app, locale_selector=select_locale)
    # A word the domain marked with shop.words.N_, looked up when shown: {{ name|tr }}
    app.jinja_env.filters["tr"] = gettext
    app.jinja_env.globals.update(
        product_name=product_name,
        unit_name=unit_name,
        rule_name=rule_name,
        group_name=group_name,
        day=day,
        current_lang=lang,
        other_locale=other_locale,
    )
    return babel
