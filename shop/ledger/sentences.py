"""What a journal row says, as a sentence in the reader's language.

The journal stores language-neutral facts: a kind, a typed reference (``household:02-006``,
``staff:wang``, ``K01:2026-09-15``) and a memo in a small fixed grammar (``status inactive``,
``create role clerk``, ``reject application #3: 照片不清楚``) with the village's own words (names,
reasons) as data. These rows are hash-chained, so their text never changes; this module reads
them. `say(kind, ref, memo)` matches the memo against the grammar below and hands back a
`Said`: a sentence marked for the catalogues (Chinese source) with its fields. The edge
translates the sentence and the fields that are shop words (`kiosk.i18n.say`). A memo outside
the grammar is text a person typed (an award's note, a delivery's memo) and is shown as written.

A new kind of journal memo adds its pattern here; `tests/transparency/test_sentences.py` walks
every memo the shop writes and fails on one that reads as machine text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from shop.words import N_

# Fields whose values are shop words ("word": a msgid below) the edge translates.
STATUS = {
    "active": N_("正常"),
    "inactive": N_("暂停兑换"),
    "paused": N_("暂停兑换"),
    "moved": N_("已迁出"),
    "lost": N_("已挂失"),
    "revoked": N_("已作废"),
}
REASONS = {
    "lost": N_("遗失"),
    "damaged": N_("损坏"),
    "deceased": N_("户主去世"),
    "moved": N_("户已迁出"),
    "merged": N_("已并入另一户"),
}
# 与户主关系 (shop.households.family.RELATIONS): the same msgids, kept here so the ledger's
# reader needs nothing from the households package.
RELATIONS = {
    "head": N_("户主"),
    "spouse": N_("配偶"),
    "child": N_("子女"),
    "parent": N_("父母"),
    "grandchild": N_("孙子女"),
    "grandparent": N_("祖父母"),
    "sibling": N_("兄弟姐妹"),
    "child_in_law": N_("儿媳/女婿"),
    "other": N_("其他亲属"),
}
FIELDS = {"head_name": N_("户主"), "group_name": N_("小组"), "members": N_("人口")}
REFS = {
    "household": N_("农户 {ref}"),
    "passbook": N_("存折 {ref}"),
    "staff": N_("工作人员 {ref}"),
    "token": N_("接口令牌 {ref}"),
    "rule": N_("积分项目 {ref}"),
    "category": N_("积分类别 {ref}"),
    "kiosk": N_("兑换机 {ref}"),
    "village": N_("村 {ref}"),
    "review": N_("录入批次 {ref}"),
    "voice": N_("语音 {ref}"),
    "product": N_("商品 {ref}"),
}
# A product's settings (ref product:<sku>) and the redemption windows, journaled as staff
# changes and shown under their own kind.
PRODUCT_FIELDS = {
    "name": N_("商品名称"),
    "name_en": N_("英文名称"),
    "unit": N_("单位"),
    "category": N_("类别"),
    "barcode": N_("条码"),
    "min_level": N_("最低库存"),
    "reorder_level": N_("建议库存"),
    "sort_order": N_("排列顺序"),
}
PERIODS = {"month": N_("月"), "quarter": N_("季度"), "year": N_("年")}
ON_SALE = {"on sale": N_("上架"), "off sale": N_("下架")}
VOCABULARY = {
    "status": STATUS,
    "reason": REASONS,
    "field": PRODUCT_FIELDS,
    "period": PERIODS,
    "state": ON_SALE,
    "relation": RELATIONS,
}
GOODS = N_("商品设置")
WINDOWS = N_("兑换期设置")
_FIELD = "(?P<field>" + "|".join(PRODUCT_FIELDS) + ")"
_DAY = r"\d{4}-\d{2}-\d{2}"
APPLICATION = N_("积分申请")
# Village set-up rows (rename, kiosks) are journaled under the chain's first kind.
SETUP_KINDS = {"genesis": ("staff_change",)}


@dataclass(frozen=True)
class Said:
    """A sentence (a catalogue msgid with {named} fields) and the fields that fill it."""

    text: str
    fields: dict[str, str] = field(default_factory=dict)
    # field -> "word" (a msgid), "role" (a role code) or "changes" (see `changes`)
    words: dict[str, str] = field(default_factory=dict)
    kind: str | None = None  # what happened, when it is not the journal kind's own name


def _words(**vocabulary: str) -> dict[str, str]:
    return vocabulary


# (journal kind, memo pattern, sentence, fields that are words, the kind as shown)
GRAMMAR: tuple[tuple[str, re.Pattern, str, dict[str, str], str | None], ...] = tuple(
    (kind, re.compile(pattern, re.S), text, words, shown)
    for kind, pattern, text, words, shown in (
        (
            "household_change",
            r"create (?P<head>\S+)(?: (?P<group>.+))?",
            N_("新建农户，户主{head}，{group}"),
            {},
            None,
        ),
        (
            "household_change",
            r"status (?P<status>\w+)",
            N_("状态改为{status}"),
            _words(status="word"),
            None,
        ),
        (
            "household_change",
            r"edit (?P<changes>.+)",
            N_("修改户籍：{changes}"),
            _words(changes="changes"),
            None,
        ),
        ("household_change", r"pin set", N_("设置兑换密码"), {}, None),
        ("household_change", r"pin cleared", N_("取消兑换密码"), {}, None),
        ("household_change", r"pin unlocked", N_("解除密码锁定"), {}, None),
        (
            "household_change",
            r"application #(?P<id>\d+): (?P<rule>.+?) (?P<points>[+-]\d+)(?: (?P<note>.*))?",
            N_("提交申请：{rule}（{points}分）{note}"),
            {},
            APPLICATION,
        ),
        (
            "household_change",
            r"reject application #(?P<id>\d+): (?P<reason>.*)",
            N_("申请未通过，理由：{reason}"),
            {},
            APPLICATION,
        ),
        (
            "household_change",
            r"member add (?P<relation>\w+) (?P<name>.+)",
            N_("登记家庭成员{name}（{relation}）"),
            _words(relation="word"),
            None,
        ),
        (
            "household_change",
            r"member edit (?P<relation>\w+) (?P<name>.+)",
            N_("修改家庭成员{name}（{relation}）的登记"),
            _words(relation="word"),
            None,
        ),
        (
            "household_change",
            r"member remove (?P<relation>\w+) (?P<name>.+)",
            N_("家庭成员{name}（{relation}）移出本户"),
            _words(relation="word"),
            None,
        ),
        (
            "household_change",
            r"members imported (?P<count>\d+)",
            N_("从名册导入家庭成员{count}人"),
            {},
            None,
        ),
        (
            "household_change",
            r"head (?P<old>.+?) -> (?P<new>.+)",
            N_("户主变更：{old}改为{new}"),
            {},
            None,
        ),
        (
            "household_change",
            r"split (?P<number>\S+) members (?P<names>.+)",
            N_("分户：{names}分出去，成为新户 {number}"),
            {},
            None,
        ),
        (
            "household_change",
            r"merge (?P<number>\S+) members (?P<names>.+)",
            N_("合户：农户 {number} 并入本户，成员{names}"),
            {},
            None,
        ),
        (
            "household_change",
            r"merged into (?P<number>\S+)",
            N_("合户：本户并入农户 {number}"),
            {},
            None,
        ),
        (
            "transfer",
            r"split (?P<source>\S+) -> (?P<target>\S+)",
            N_("分户：积分从农户 {source} 转给新户 {target}"),
            {},
            None,
        ),
        (
            "transfer",
            r"merge (?P<source>\S+) -> (?P<target>\S+)",
            N_("合户：农户 {source} 的积分转入农户 {target}"),
            {},
            None,
        ),
        ("household_change", r"query code issued", N_("发放手机查询码"), {}, None),
        ("household_change", r"query code reissued", N_("补发手机查询码，旧的停用"), {}, None),
        ("household_change", r"query code revoked", N_("停用手机查询码"), {}, None),
        ("staff_change", r"who came on", N_("兑换时问来兑换的人，印在小票上"), {}, None),
        ("staff_change", r"who came off", N_("兑换时不再问来兑换的人"), {}, None),
        ("staff_change", r"phone public on", N_("开放手机公开页（公示、排名、光荣榜）"), {}, None),
        ("staff_change", r"phone public off", N_("关闭手机公开页"), {}, None),
        ("staff_change", r"phone names masked", N_("手机公开页遮挡姓名"), {}, None),
        ("staff_change", r"phone names shown", N_("手机公开页显示全名"), {}, None),
        ("passbook_issue", r"household (?P<number>\S+)", N_("发给农户 {number}"), {}, None),
        (
            "passbook_revoke",
            r"(?P<status>lost|revoked)(?: (?P<reason>.*))?",
            N_("{status}，原因：{reason}"),
            _words(status="word", reason="word"),
            None,
        ),
        (
            "staff_change",
            r"create role (?P<role>\w+)",
            N_("新增工作人员，角色：{role}"),
            _words(role="role"),
            None,
        ),
        ("staff_change", r"role (?P<role>\w+)", N_("角色改为{role}"), _words(role="role"), None),
        ("staff_change", r"groups (?P<groups>.+)", N_("负责的小组：{groups}"), {}, None),
        ("staff_change", r"unlock", N_("解除锁定"), {}, None),
        ("staff_change", r"enable", N_("启用"), {}, None),
        ("staff_change", r"disable", N_("停用"), {}, None),
        ("staff_change", r"issue badge", N_("发放工作证"), {}, None),
        ("staff_change", r"password changed", N_("修改了自己的密码"), {}, None),
        ("staff_change", r"password reset", N_("重设密码"), {}, None),
        (
            "staff_change",
            r"(?P<count>\d+) failed sign-ins in a row",
            N_("连续{count}次登录失败"),
            {},
            None,
        ),
        (
            "staff_change",
            r"create api token role (?P<role>\w+)(?: (?P<label>.*))?",
            N_("新建接口令牌「{label}」，权限：{role}"),
            _words(role="role"),
            None,
        ),
        (
            "staff_change",
            r"revoke api token ?(?P<label>.*)",
            N_("收回接口令牌「{label}」"),
            {},
            None,
        ),
        ("staff_change", r"create category (?P<name>.+)", N_("新增积分类别：{name}"), {}, None),
        (
            "staff_change",
            r"create rule (?P<name>.+) (?P<points>[+-]\d+)",
            N_("新增积分项目：{name}（{points}分）"),
            {},
            None,
        ),
        ("staff_change", r"retire (?P<name>.+)", N_("停用积分项目：{name}"), {}, None),
        ("staff_change", r"restore (?P<name>.+)", N_("恢复积分项目：{name}"), {}, None),
        (
            "staff_change",
            r"rename (?P<old>.+) -> (?P<new>.+)",
            N_("村名由{old}改为{new}"),
            {},
            None,
        ),
        (
            "staff_change",
            r"kiosk added, receipts (?P<prefix>\S+?)-?",
            N_("新增兑换机，小票编号以 {prefix} 开头"),
            {},
            None,
        ),
        ("staff_change", r"kiosk retired", N_("兑换机停用"), {}, None),
        (
            "staff_change",
            r"voice recorded (?P<text>.+?) \((?P<file>\w+), \d+ bytes, sha256 \w+\)",
            N_("录制语音「{text}」"),
            {},
            None,
        ),
        (
            "staff_change",
            r"voice recording removed (?P<text>.+)",
            N_("删除录音「{text}」"),
            {},
            None,
        ),
        (
            "staff_change",
            r"product create (?P<points>\d+) points per (?P<unit>.*?), (?P<state>on sale|off sale)"
            r": (?P<name>.+)",
            N_("新增商品「{name}」，每{unit}{points}分，{state}"),
            _words(state="word"),
            GOODS,
        ),
        (
            "staff_change",
            r"product points (?P<old>\d+) -> (?P<new>\d+)",
            N_("兑换价由{old}分改为{new}分"),
            {},
            GOODS,
        ),
        ("staff_change", r"product on sale", N_("商品上架，可以兑换"), {}, GOODS),
        ("staff_change", r"product off sale", N_("商品下架，暂停兑换"), {}, GOODS),
        ("staff_change", r"product picture", N_("更换商品图片"), {}, GOODS),
        (
            "staff_change",
            rf"product {_FIELD} (?P<old>.+?) -> (?P<new>.+)",
            N_("{field}由「{old}」改为「{new}」"),
            _words(field="word"),
            GOODS,
        ),
        (
            "staff_change",
            rf"product {_FIELD} -> (?P<new>.+)",
            N_("{field}设为「{new}」"),
            _words(field="word"),
            GOODS,
        ),
        (
            "staff_change",
            rf"product {_FIELD} (?P<old>.+) ->",
            N_("取消{field}（原为「{old}」）"),
            _words(field="word"),
            GOODS,
        ),
        (
            "staff_change",
            r"limit (?P<period>month|quarter|year) (?P<allowed>\d+) ?(?P<unit>.*)",
            N_("每户限兑：每{period}最多{allowed}{unit}"),
            _words(period="word"),
            GOODS,
        ),
        ("staff_change", r"limit removed", N_("取消每户限兑"), {}, GOODS),
        (
            "staff_change",
            rf"window (?P<starts>{_DAY}) (?P<ends>{_DAY}) (?P<label>.+)",
            N_("开放兑换期「{label}」：{starts}至{ends}"),
            {},
            WINDOWS,
        ),
        (
            "staff_change",
            rf"window (?P<starts>{_DAY}) (?P<ends>{_DAY})",
            N_("开放兑换期：{starts}至{ends}"),
            {},
            WINDOWS,
        ),
        (
            "staff_change",
            r"always open, windows removed (?P<count>\d+): (?P<spans>.+)",
            N_("改为随时可以兑换，取消{count}个兑换期：{spans}"),
            {},
            WINDOWS,
        ),
        (
            "genesis",
            r"village opened; kiosks ?(?P<kiosks>.*)",
            N_("开通本村，兑换机：{kiosks}"),
            {},
            None,
        ),
        (
            "day_close",
            r"report sha256 \w+; receipts (?P<issued>\d+) \((?P<first>\S+)\.\.(?P<last>\S+)\), "
            r"gaps (?P<gaps>\d+), voids (?P<voids>\d+), points (?P<points>-?\d+)",
            N_(
                "日结：小票{issued}张（{first}至{last}），缺号{gaps}张，作废{voids}张，净积分{points}"
            ),
            {},
            None,
        ),
    )
)


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


def changes(text: str) -> list[tuple[str, str]]:
    """'head_name=张三 members=4' as [(户主, 张三), (人口, 4)]: field words to translate, values."""
    pairs = []
    for part in text.split():
        name, _, value = part.partition("=")
        pairs.append((FIELDS.get(name, name), value))
    return pairs


def ref_said(ref: str) -> Said | None:
    """A typed reference as words ("household:02-006" -> 农户 02-006); None for a plain one."""
    kind, sep, rest = (ref or "").partition(":")
    if sep and kind in REFS:
        return Said(REFS[kind], {"ref": rest})
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
    if actor in names and names[actor]:
        return Said("{who}", {"who": names[actor]})
    if actor in ACTOR_WORDS:
        return Said(ACTOR_WORDS[actor])
    kind, sep, rest = actor.partition(":")
    if kind == "staff" and sep:
        return Said("{who}", {"who": rest})
    if sep and kind in ACTORS:
        if rest == "demo" or kind == "system":
            return Said(ACTOR_WORDS["demo"] if rest == "demo" else ACTORS["system"])
        return Said(ACTORS[kind], {"ref": rest})
    return Said("{who}", {"who": actor})
