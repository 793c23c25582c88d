"""Chinese words the domain hands to the edges, marked for the translation catalogues.

`N_` changes nothing at run time; `pybabel extract` finds what it marks, and the edge that shows
the word translates it into the reader's language (Flask-Babel's gettext, the `tr` filter).
Paper and files the domain lays out itself (the day close, exports) are translated here, from the
same catalogues, by `translator(lang)`: one mechanism, whoever reads.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path

from babel.support import NullTranslations, Translations

TRANSLATIONS = Path(__file__).resolve().parent.parent / "translations"
# The catalogue of each short language code; Chinese is the source of the domain's words.
CATALOGUES = {"en": "en"}


def N_(text: str) -> str:
    return text


@functools.cache
def translator(lang: str = "zh") -> Callable[[str], str]:
    """The domain's words in `lang` ('zh' or 'en'); Chinese, or an unknown language, as written."""
    locale = CATALOGUES.get(lang)
    if locale is None:
        return _as_written
    catalogue = Translations.load(str(TRANSLATIONS), [locale])
    if isinstance(catalogue, NullTranslations) and not isinstance(catalogue, Translations):
        return _as_written
    return catalogue.gettext


def _as_written(text: str) -> str:
    return text


def in_language(words: dict, lang: str = "zh") -> dict:
    """A table of marked words (values, tuples of them, nested tables) in `lang`."""
    tr = translator(lang)

    def one(value):
        if isinstance(value, dict):
            return {k: one(v) for k, v in value.items()}
        if isinstance(value, tuple):
            return tuple(tr(v) for v in value)
        return tr(value)

    return one(words)
