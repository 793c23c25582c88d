"""The journal memos' grammar (read by shop.ledger.sentences): each kind of memo the shop
writes, its pattern and the sentence it reads as. A new kind of memo adds its row here (the
review's rows, old and new, are in shop.ledger.review_grammar; the district catalogue's in
shop.ledger.catalogue_grammar; an approved application's award in
shop.ledger.application_grammar; a moved void, a stocktake, the year end in
shop.ledger.closing_grammar).
"""

from __future__ import annotations

import re

from shop.ledger.application_grammar import ROWS as APPLICATION_ROWS
from shop.ledger.catalogue_grammar import ROWS as CATALOGUE_ROWS
from shop.ledger.closing_grammar import ROWS as CLOSING_ROWS
from shop.ledger.review_grammar import ROWS as REVIEW_ROWS
from shop.ledger.vocabulary import APPLICATION, DAY, FIELD, GOODS, WINDOWS
from shop.words import N_


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
        # Activities (shop/points/activities.py): 活动 created, photographed, closed, cancelled.
        (
            "household_change",
            rf"activity create (?P<date>{DAY}) (?P<points>[+-]\d+) "
            r"places (?P<places>\w+): (?P<name>.+) @ (?P<place>.+)",
            N_("新建活动：{name}，{date}，{place}，每户{points}分，名额{places}"),
            _words(places="word"),
            None,
        ),
        (
            "household_change",
            rf"activity create (?P<date>{DAY}) (?P<points>[+-]\d+) "
            r"places (?P<places>\w+): (?P<name>.+)",
            N_("新建活动：{name}，{date}，每户{points}分，名额{places}"),
            _words(places="word"),
            None,
        ),
        (
            "household_change",
            r"activity photos (?P<count>\d+)",
            N_("添加活动照片{count}张"),
            {},
            None,
        ),
        (
            "household_change",
            r"activity close: attended (?P<attended>\d+), review (?P<batch>\d+)",
            N_("活动结束：签到{attended}户，送评定小组审核（录入批次 {batch}）"),
            {},
            None,
        ),
        (
            "household_change",
            r"activity close: attended (?P<attended>\d+), left out (?P<left>\d+), "
            r"review (?P<batch>\d+)",
            N_("活动结束：签到{attended}户（{left}户已停用不计），送审（录入批次 {batch}）"),
            {},
            None,
        ),
        (
            "household_change",
            r"activity close: attended (?P<attended>\d+)(?:, left out (?P<left>\d+))?, "
            r"review none",
            N_("活动结束：签到{attended}户，没有送审的户"),
            {},
            None,
        ),
        (
            "household_change",
            r"activity cancel: (?P<why>.+)",
            N_("取消活动，理由：{why}"),
            {},
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
        ("staff_change", r"honour points on", N_("显示荣誉积分（兑换不减、年终不清零）"), {}, None),
        ("staff_change", r"honour points off", N_("不再显示荣誉积分"), {}, None),
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
            r"move from (?P<old>.+) to (?P<new>.+)",
            N_("本村由{old}划归{new}管理"),
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
            rf"product {FIELD} (?P<old>.+?) -> (?P<new>.+)",
            N_("{field}由「{old}」改为「{new}」"),
            _words(field="word"),
            GOODS,
        ),
        (
            "staff_change",
            rf"product {FIELD} -> (?P<new>.+)",
            N_("{field}设为「{new}」"),
            _words(field="word"),
            GOODS,
        ),
        (
            "staff_change",
            rf"product {FIELD} (?P<old>.+) ->",
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
            rf"window (?P<starts>{DAY}) (?P<ends>{DAY}) (?P<label>.+)",
            N_("开放兑换期「{label}」：{starts}至{ends}"),
            {},
            WINDOWS,
        ),
        (
            "staff_change",
            rf"window (?P<starts>{DAY}) (?P<ends>{DAY})",
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
    + REVIEW_ROWS
    + CATALOGUE_ROWS
    + APPLICATION_ROWS
    + CLOSING_ROWS
)
