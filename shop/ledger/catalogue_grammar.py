"""The district catalogue's memos (shop/points/district_catalog.py: 区县统一积分项目), as each
village's chain receives them, with their patterns and sentences, joined into
shop.ledger.grammar's GRAMMAR. The `memo_*` functions write them, so the writer and the reader
of each format stand side by side.
"""

from __future__ import annotations

from shop.words import N_

PUBLISHED = N_("区县新增统一积分项目：{name}（{points}分，本村可在{low}至{high}分之间调整）")
CHANGED = N_(
    "区县调整统一积分项目「{name}」：本村分值由{old}分改为{new}分，可调范围{low}至{high}分"
)
RETIRED = N_("区县停用统一积分项目：{name}")
ADJUSTED = N_("本村调整区县统一积分项目「{name}」的分值：由{old}分改为{new}分")
KEPT = N_("本村固定区县统一积分项目「{name}」的分值为{points}分，不再随区县调整")
FOLLOWS = N_("本村改为跟随区县统一积分项目「{name}」的分值：由{old}分改为{new}分")
RENAMED = N_("区县将统一积分项目「{old}」改名为「{new}」")
RENAMED_EN = N_("区县修改统一积分项目「{name}」的英文名：{name_en}")
CATEGORY_RENAMED = N_("区县将积分类别「{old}」改名为「{new}」")
CATEGORY_RENAMED_EN = N_("区县修改积分类别「{name}」的英文名：{name_en}")
RESTORED = N_("区县恢复统一积分项目：{name}")
RESTORED_OFF = N_("区县恢复统一积分项目：{name}（本村此前自己停用了，仍停用）")
MOVED = N_(
    "本村改属{new}：原区县（{old}）的{kept}项统一积分项目留作本村项目，其中{replaced}项与"
    "新区县的项目同名已停用；采用{new}统一积分项目{taken}项"
)
TAKEN = N_("开通时采用区县统一积分项目{count}项，其中{off}项暂不使用")

_P = r"[+-]\d+"
_RANGE = rf"range (?P<low>{_P})\.\.(?P<high>{_P})"

ROWS: tuple[tuple[str, str, str, dict[str, str], str | None], ...] = tuple(
    ("staff_change", pattern, text, {}, None)
    for pattern, text in (
        (rf"district rule (?P<points>{_P}) {_RANGE}: (?P<name>.+)", PUBLISHED),
        (rf"district points (?P<old>{_P}) -> (?P<new>{_P}) {_RANGE}: (?P<name>.+)", CHANGED),
        (r"district retire: (?P<name>.+)", RETIRED),
        (rf"adjust points (?P<old>{_P}) -> (?P<new>{_P}): (?P<name>.+)", ADJUSTED),
        (rf"keep points (?P<points>{_P}): (?P<name>.+)", KEPT),
        (rf"follow district points (?P<old>{_P}) -> (?P<new>{_P}): (?P<name>.+)", FOLLOWS),
        (r"district rename: (?P<old>.+?) -> (?P<new>.+)", RENAMED),
        (r"district rename en: (?P<name>.+?) -> (?P<name_en>.*)", RENAMED_EN),
        (r"district category rename: (?P<old>.+?) -> (?P<new>.+)", CATEGORY_RENAMED),
        (r"district category rename en: (?P<name>.+?) -> (?P<name_en>.*)", CATEGORY_RENAMED_EN),
        (r"district restore: (?P<name>.+)", RESTORED),
        (r"district restore, off here: (?P<name>.+)", RESTORED_OFF),
        (
            r"district move from (?P<old>.+?): (?P<kept>\d+) kept, "
            r"to (?P<new>.+?): (?P<taken>\d+) taken, (?P<replaced>\d+) replaced",
            MOVED,
        ),
        (r"district catalogue taken: (?P<count>\d+) items, (?P<off>\d+) off", TAKEN),
    )
)


# --- the writer's side ------------------------------------------------------------------------


def memo_published(name: str, points: int, low: int, high: int) -> str:
    return f"district rule {points:+d} range {low:+d}..{high:+d}: {name}"


def memo_changed(name: str, old: int, new: int, low: int, high: int) -> str:
    return f"district points {old:+d} -> {new:+d} range {low:+d}..{high:+d}: {name}"


def memo_retired(name: str) -> str:
    return f"district retire: {name}"


def memo_adjusted(name: str, old: int, new: int) -> str:
    return f"adjust points {old:+d} -> {new:+d}: {name}"


def memo_kept(name: str, points: int) -> str:
    return f"keep points {points:+d}: {name}"


def memo_follows(name: str, old: int, new: int) -> str:
    return f"follow district points {old:+d} -> {new:+d}: {name}"


def memo_renamed(old: str, new: str) -> str:
    return f"district rename: {old} -> {new}"


def memo_renamed_en(name: str, name_en: str) -> str:
    return f"district rename en: {name} -> {name_en}"


def memo_category_renamed(old: str, new: str) -> str:
    return f"district category rename: {old} -> {new}"


def memo_category_renamed_en(name: str, name_en: str) -> str:
    return f"district category rename en: {name} -> {name_en}"


def memo_restored(name: str) -> str:
    return f"district restore: {name}"


def memo_restored_off(name: str) -> str:
    return f"district restore, off here: {name}"


def memo_taken(count: int, off: int) -> str:
    return f"district catalogue taken: {count} items, {off} off"


def memo_moved(old: str, kept: int, new: str, taken: int, replaced: int) -> str:
    return f"district move from {old}: {kept} kept, to {new}: {taken} taken, {replaced} replaced"
