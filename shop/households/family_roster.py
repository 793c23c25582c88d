"""A roster with one row per person (户籍花名册): 户号, 姓名, 与户主关系, and optionally 村民小组,
手机号, 可以兑换. Folded here into one row per household (the head's name, the group, 人口 as the
count of people) for the roster import (shop.households.roster_import), with the people kept to list
as the household's family (shop.households.family) when it has no list yet.

Relations are read in the words registers use (本人, 妻, 长子, 孙女, 儿媳 …); a word not known
here is kept as 其他亲属, which the preview shows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from shop.tabular import pick

NAME = ("姓名", "name")
RELATION = ("与户主关系", "关系", "relation")
PHONE = ("手机号", "手机", "联系电话", "电话", "phone")
MAY_REDEEM = ("可以兑换", "may_redeem")
PHONE_RE = re.compile(r"\+?[0-9][0-9-]{4,18}")

WORDS = {
    "head": "户主 本人",
    "spouse": "配偶 妻 妻子 夫 丈夫",
    "child": "子女 子 女 儿子 女儿 长子 次子 三子 四子 长女 次女 三女 四女 养子 养女 独生子 独生女",
    "parent": "父母 父 母 父亲 母亲 养父 养母",
    "grandchild": "孙子女 孙子 孙女 外孙 外孙子 外孙女",
    "grandparent": "祖父母 祖父 祖母 外祖父 外祖母 爷爷 奶奶",
    "sibling": "兄弟姐妹 兄 弟 姐 妹 哥哥 弟弟 姐姐 妹妹",
    "child_in_law": "儿媳/女婿 儿媳 女婿 媳妇",
    "other": "其他 其他亲属",
}
RELATION_OF = {word: key for key, words in WORDS.items() for word in words.split()}
RELATION_OF.update({key: key for key in WORDS})  # an English file writes head, spouse, child…
NO = {"否", "不可以", "不能", "no", "n", "0", "false"}


@dataclass
class Person:
    line: int
    name: str
    relation: str  # a key of shop.households.models.RELATION_KEYS
    phone: str = ""
    may_redeem: bool = True
    written: str = ""  # the relation as the file wrote it, when it was not a word known here


def is_per_person(rows: list[dict]) -> bool:
    """Whether the file has one row per person (a 与户主关系 column)."""
    first = next((r for r in rows if r), None)
    return bool(first) and any(name in first for name in RELATION)


def fold_people(
    rows: list[dict], number_columns: tuple[str, ...], group_columns: tuple[str, ...]
) -> tuple[list[tuple[int, dict]], dict[str, list[Person]], list[tuple[int, str]]]:
    """(one row per household as (line, {户号, 户主, 村民小组, 人口}), the people of each number,
    bad rows as (line, reason)). The household's line is its head's."""
    people: dict[str, list[Person]] = {}
    groups: dict[str, str] = {}
    errors: list[tuple[int, str]] = []
    for line, raw in enumerate(rows, start=2):
        if not raw:
            continue
        number = pick(raw, *number_columns)
        name, written = pick(raw, *NAME), pick(raw, *RELATION)
        phone = "".join(pick(raw, *PHONE).split())
        if not number:
            errors.append((line, "缺少户号"))
            continue
        if not name:
            errors.append((line, f"户号 {number}：缺少姓名"))
            continue
        if phone and not PHONE_RE.fullmatch(phone):
            errors.append((line, f"户号 {number}：{name}的手机号只能写数字，而不是“{phone}”"))
            continue
        relation = RELATION_OF.get(written.replace(" ", ""), "other")
        may = pick(raw, *MAY_REDEEM).strip().lower() not in NO
        person = Person(line, name[:64], relation, phone[:20], may)
        if written and written not in RELATION_OF:
            person.written = written
        people.setdefault(number, []).append(person)
        group = pick(raw, *group_columns)
        if group and (relation == "head" or number not in groups):
            groups[number] = group
    households: list[tuple[int, dict]] = []
    for number, listed in people.items():
        heads = [p for p in listed if p.relation == "head"]
        if len(heads) != 1:
            line = (heads[1] if heads else listed[0]).line
            reason = "有两位户主" if heads else "没有与户主关系写“户主”的人"
            errors.append((line, f"户号 {number}：{reason}"))
            continue
        head = heads[0]
        listed.sort(key=lambda p: (p.relation != "head", p.line))
        households.append(
            (
                head.line,
                {
                    number_columns[0]: number,
                    "户主": head.name,
                    group_columns[0]: groups.get(number, ""),
                    "人口": str(len(listed)),
                },
            )
        )
    households.sort()
    return households, people, errors
