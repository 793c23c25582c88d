"""The shop's words in journal memos (read by shop.ledger.sentences): the vocabularies of the
fields that are shop words, the references' kinds, and the names the grammar's sentences share.
"""

from __future__ import annotations

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
    "activity": N_("活动 {ref}"),
    "voice": N_("语音 {ref}"),
    "product": N_("商品 {ref}"),
}
# References that are one word, not kind:rest.
PLAIN_REFS = {"points-settings": N_("审核设置")}
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
# An activity's places (名额): a number, or any.
PLACES = {"any": N_("不限")}
ON_SALE = {"on sale": N_("上架"), "off sale": N_("下架")}
# Which recorded entries wait for the panel (shop.points.models.REVIEW_POLICIES).
REVIEW_POLICIES = {
    "all": N_("全部要审核"),
    "deductions": N_("只有扣分要审核"),
    "none": N_("都不用审核，直接计入"),
}
# The year end (shop.transparency.models.YEAR_END_POLICIES) as its memo names it, and as the
# Chinese memos written before named it (shop.ledger.closing_grammar).
YEAR_END_TREATMENTS = {
    "keep": N_("积分保留"),
    "expire": N_("积分清零"),
    "cap": N_("封顶结转"),
    "积分保留": N_("积分保留"),
    "积分清零": N_("积分清零"),
    "积分封顶结转": N_("封顶结转"),
}
VOCABULARY = {
    "status": STATUS,
    "reason": REASONS,
    "field": PRODUCT_FIELDS,
    "period": PERIODS,
    "state": ON_SALE,
    "relation": RELATIONS,
    "places": PLACES,
    "policy": REVIEW_POLICIES,
    "treatment": YEAR_END_TREATMENTS,
}
GOODS = N_("商品设置")
WINDOWS = N_("兑换期设置")
FIELD = "(?P<field>" + "|".join(PRODUCT_FIELDS) + ")"
DAY = r"\d{4}-\d{2}-\d{2}"
APPLICATION = N_("积分申请")
# Village set-up rows (rename, kiosks) are journaled under the chain's first kind.
SETUP_KINDS = {"genesis": ("staff_change",)}
