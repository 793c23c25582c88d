"""What a journal row says, as a sentence in the reader's language.

The journal stores language-neutral facts: a kind, a typed reference (``household:02-006``,
``staff:wang``, ``K01:2026-09-15``) and a memo in a small fixed grammar (``status inactive``,
``create role clerk``, ``reject application #3: 照片不清楚``) with the village's own words (names,
reasons) as data. These rows are hash-chained, so their text never changes; this module reads
them. `say(kind, ref, memo)` matches the memo against the grammar below and hands back a
`Said`: a sentence marked for the catalogues (Chinese source) with its fields. The edge
translates the sentence and the fields that are shop words (`kiosk.i18n.say`). A memo outside
the grammar is text a person typed (an award's note, a delivery's memo) and is shown as written.

A new kind of journal memo adds its pattern to shop/ledger/grammar.py (the fields' words
are in shop/ledger/vocabulary.py); `tests/backoffice/test_journal_words.py` walks
every memo the shop writes and fails on one that reads as machine text.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from shop.ledger import references
from shop.ledger.grammar import GRAMMAR
from shop.ledger.vocabulary import (  # noqa: F401  (read elsewhere as sentences.<NAME>)
    APPLICATION,
    FIELDS,
    GOODS,
    PERIODS,
    PLAIN_REFS,
    REASONS,
    REFS,
    RELATIONS,
    SETUP_KINDS,
    STATUS,
    VOCABULARY,
    WINDOWS,
)
from shop.words import N_, translator


@dataclass(frozen=True)
class Said:
    """A sentence (a catalogue msgid with {named} fields) and the fields that fill it."""

    text: str
    fields: dict[str, str] = field(default_factory=dict)
    # field -> "word" (a msgid), "role" (a role code) or "changes" (see `changes`)
    words: dict[str, str] = field(default_factory=dict)
    kind: str | None = None  # what happened, when it is not the journal kind's own name


def say(kind: str, ref: str, memo: str) -> Said | None:
    """The sentence of a journal row's memo, or None when the memo is a person's own text."""
    memo = memo or ""
    for grammar_kind, pattern, text, words, shown in GRAMMAR:
        if kind != grammar_kind and grammar_kind not in SETUP_KINDS.get(kind, ()):
            continue
        match = pattern.fullmatch(memo)
        if match:
            fields = {k: (v or "").strip() for k, v in match.groupdict().items()}
            for name, vocabulary in VOCABULARY.items():
                if name in fields and words.get(name) == "word":
                    fields[name] = vocabulary.get(fields[name], fields[name])
            if "spans" in fields:
                fields["spans"] = ", ".join(
                    span.replace("..", "~") for span in fields["spans"].split()
                )
            if "kiosks" in fields:
                fields["kiosks"] = " ".join(
                    re.sub(r"\(\w+\)", "", k) for k in fields["kiosks"].split()
                )
            return Said(text, fields, words, shown)
    return None


def filled(said: Said, tr: Callable[[str], str], role: Callable[[str], str] = str) -> str:
    """The sentence with its fields, by the translator `tr` (the fields that are shop words
    too) and `role` (a role's code in words)."""
    fields = {}
    for name, value in said.fields.items():
        how = said.words.get(name)
        if how == "word":
            value = tr(value)
        elif how == "role":
            value = role(value)
        elif how == "changes":
            value = " · ".join(f"{tr(w)} {v}" for w, v in changes(value))
        fields[name] = value
    return tr(said.text).format(**fields) if fields else tr(said.text)


def read(kind: str, ref: str, memo: str, lang: str = "zh") -> str:
    """A row's memo as a sentence in `lang`, for what the domain lays out itself (statements,
    sheets): a person's own text as written; a role stays its code (the edge names roles)."""
    said = say(kind, ref, memo)
    return memo or "" if said is None else filled(said, translator(lang))


def changes(text: str) -> list[tuple[str, str]]:
    """'head_name=张三 members=4' as [(户主, 张三), (人口, 4)]: field words to translate, values."""
    pairs = []
    for part in text.split():
        name, _, value = part.partition("=")
        pairs.append((FIELDS.get(name, name), value))
    return pairs


def ref_said(ref: str, kind: str = "", names: dict[str, str] | None = None) -> Said | None:
    """A typed reference as words ("household:02-006" -> 农户 02-006, "K01:2026-12-03" -> 兑换机
    K01，2026-12-03), or None for a plain one a person wrote (a delivery's source). `kind` is
    the row's journal kind (a redemption's plain reference is its receipt); `names` what the
    page knows of a reference (a rule's name, a batch's place in its day)."""
    ref, names = ref or "", names or {}
    shown = names.get(ref)
    head, sep, rest = ref.partition(":")
    if sep and head == "batch":
        return Said(*references.batch_words(rest, shown))
    if sep and head in REFS:
        return Said(REFS[head], {"ref": shown or rest})
    if sep and head in references.MORE_REFS:
        return Said(references.MORE_REFS[head], {"ref": shown or rest})
    closed = references.day_close(ref)
    if closed:
        return Said(references.DAY_CLOSE, closed)
    if not sep and head in PLAIN_REFS:
        return Said(PLAIN_REFS[head])
    if ref and kind in ("redemption", "void"):
        return Said(references.RECEIPT, {"ref": ref})
    return None


ACTORS = {
    "kiosk": N_("兑换机 {ref}"),
    "api": N_("接口 {ref}"),
    "panel": N_("评定小组 {ref}"),
    "clerk": N_("记账员 {ref}"),
    "system": N_("系统"),
}
ACTOR_WORDS = {
    "cli": N_("命令行"),
    "setup": N_("开通向导"),
    "system": N_("系统"),
    "demo": N_("演示"),
}


def actor_said(actor: str, names: dict[str, str]) -> Said:
    """Who did it: a staff member by display name, a kiosk by its code, the command line…"""
    actor = actor or ""
    if actor in ACTOR_WORDS:  # before the names: they hold the command line in Chinese only
        return Said(ACTOR_WORDS[actor])
    if actor in names and names[actor]:
        return Said("{who}", {"who": names[actor]})
    kind, sep, rest = actor.partition(":")
    if kind == "staff" and sep:
        return Said("{who}", {"who": rest})
    if sep and kind in ACTORS:
        if rest == "demo" or kind == "system":
            return Said(ACTOR_WORDS["demo"] if rest == "demo" else ACTORS["system"])
        return Said(ACTORS[kind], {"ref": rest})
    return Said("{who}", {"who": actor})
