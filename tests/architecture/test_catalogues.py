"""One translation mechanism: every visible string is in the Babel catalogues, and both
languages are complete.

The kiosk's source strings are English (zh_Hans_CN translates them); the back-office's and the
domain's are the Chinese a clerk reads (en translates them). `make translations` refreshes the
template, both catalogues and the compiled files; these tests fail when someone forgot.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "translations"
CJK = re.compile(r"[\u3400-\u9fff\U00020000-\U0002fa1f]")
LETTERS = re.compile(r"[A-Za-z\u3400-\u9fff]")
KEYWORDS = {
    "_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "lazy_gettext": None,
    "_l": None,
    "N_": None,
}


def _ids(catalog) -> set[str]:
    return {m.id if isinstance(m.id, str) else m.id[0] for m in catalog if m.id}


def _strings(value) -> tuple[str, ...]:
    return (value,) if isinstance(value, str) else tuple(value)


def _catalog(locale: str):
    with open(TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po", "rb") as f:
        return read_po(f, locale=locale.split("_")[0])


def _extracted() -> set[str]:
    method_map = [
        ("kiosk/**.py", "python"),
        ("shop/**.py", "python"),
        ("templates/**.html", "jinja2"),
    ]
    found = set()
    for _file, _line, message, _comments, _ctx in extract_from_dir(
        str(ROOT), method_map, keywords=KEYWORDS
    ):
        found.add(message if isinstance(message, str) else message[0])
    return found


def test_the_template_holds_every_string_the_code_shows():
    with open(TRANSLATIONS / "messages.pot", "rb") as f:
        template = _ids(read_po(f))
    missing = sorted(_extracted() - template)
    assert not missing, f"run `make translations`: not in messages.pot: {missing[:10]}"


@pytest.mark.parametrize(
    ("locale", "needs"),
    [("en", lambda mid: bool(CJK.search(mid))), ("zh_Hans_CN", lambda mid: not CJK.search(mid))],
)
def test_each_catalogue_translates_every_string_written_in_the_other_language(locale, needs):
    catalog = _catalog(locale)
    untranslated = sorted(
        (m.id if isinstance(m.id, str) else m.id[0])
        for m in catalog
        if m.id
        and not m.fuzzy
        and needs(m.id if isinstance(m.id, str) else m.id[0])
        and LETTERS.search(m.id if isinstance(m.id, str) else m.id[0])
        and not (m.string if isinstance(m.string, str) else m.string[0])
    )
    assert not untranslated, f"{locale}: {len(untranslated)} untranslated, e.g. {untranslated[:10]}"
    fuzzy = sorted(m.id for m in catalog if m.id and m.fuzzy)
    assert not fuzzy, f"{locale}: fuzzy (unchecked) translations: {fuzzy[:10]}"
    with open(TRANSLATIONS / "messages.pot", "rb") as f:
        template = _ids(read_po(f))
    assert template <= _ids(catalog), f"run `make translations`: {locale} lags messages.pot"


@pytest.mark.parametrize("locale", ["en", "zh_Hans_CN"])
def test_the_compiled_catalogue_matches_its_source(locale):
    source = {
        (m.id if isinstance(m.id, str) else m.id[0]): _strings(m.string)
        for m in _catalog(locale)
        if m.id and any(_strings(m.string))
    }
    mo_path = TRANSLATIONS / locale / "LC_MESSAGES" / "messages.mo"
    compiled = read_mo(io.BytesIO(mo_path.read_bytes()))
    shipped = {
        (m.id if isinstance(m.id, str) else m.id[0]): _strings(m.string)
        for m in compiled
        if m.id and _strings(m.string) != _strings(m.id)  # an untranslated plural keeps its ids
    }
    assert shipped == source, f"run `make translations`: {mo_path.name} for {locale} is stale"
