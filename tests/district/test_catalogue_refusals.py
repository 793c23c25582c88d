"""积分项目 forms with a field left empty, the district's and a village's, on both engines and in
both languages: each refusal names the field (类别编号, 类别名称, the item's name), or the category
code already there, and nothing is added; never the old 请把必填的内容填完整, 填写的内容不对 or
已经有了，不能重复."""

from __future__ import annotations

import html

import pytest
from sqlalchemy import func, select

from shop.models import DistrictRule, DistrictRuleCategory, Rule, RuleCategory
from tests.district.test_catalogue_pages import _in, world  # noqa: F401

VAGUE = ("请把必填的内容填完整", "Please fill in every required field", "填写的内容不对",
         "The input is not valid", "已经有了，不能重复", "That already exists")  # fmt: skip
CODE = ("请填写类别编号。", "Fill in the category code.")
NAME = ("请填写类别名称。", "Fill in the category name.")
ITEM = ("请填写积分项目的名称。", "Fill in the name of the points item.")


def _count(app, column) -> int:
    with app.extensions["kiosk_db"].reader() as db:
        return db.scalar(select(func.count(column)))


def _id(app, model, name: str) -> int:
    with app.extensions["kiosk_db"].reader() as db:
        return db.scalar(select(model.id).where(model.name == name))


def _says(client, answer, lang: str, words: tuple[str, str]) -> None:
    assert answer.status_code == 303
    page = html.unescape(client.get(answer.headers["Location"]).text)
    assert words[0 if lang == "zh" else 1] in page
    assert not any(vague in page for vague in VAGUE)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_district_category_or_item_left_without_a_field_names_it(world, lang):  # noqa: F811
    app, _ = world
    admin = _in(app, "nk-admin")
    if lang == "en":
        admin.post("/backoffice/lang", {"lang": "en", "next": "/backoffice/"})
    add = "/backoffice/region/rules/categories"
    _says(admin, admin.post(add, {"code": " ", "name": "积孝"}), lang, CODE)
    _says(admin, admin.post(add, {"code": "filial", "name": ""}), lang, NAME)
    assert _count(app, DistrictRuleCategory.id) == 0
    assert admin.post(add, {"code": "filial", "name": "积孝"}).status_code == 303
    item = {"category_id": _id(app, DistrictRuleCategory, "积孝"), "name": "  ", "points": "3",
            "points_min": "1", "points_max": "5"}  # fmt: skip
    _says(admin, admin.post("/backoffice/region/rules", item), lang, ITEM)
    assert _count(app, DistrictRule.id) == 0


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_village_category_or_item_left_without_a_field_names_it(world, lang):  # noqa: F811
    app, _ = world
    admin = _in(app, "a-admin")
    if lang == "en":
        admin.post("/backoffice/lang", {"lang": "en", "next": "/backoffice/"})
    categories, rules = _count(app, RuleCategory.id), _count(app, Rule.id)
    add = "/backoffice/rules/categories"
    _says(admin, admin.post(add, {"code": "", "name": "积善"}), lang, CODE)
    _says(admin, admin.post(add, {"code": "kind", "name": " "}), lang, NAME)
    item = {"category_id": _id(app, RuleCategory, "本村特色"), "name": "", "points": "2"}
    _says(admin, admin.post("/backoffice/rules", item), lang, ITEM)
    assert (_count(app, RuleCategory.id), _count(app, Rule.id)) == (categories, rules)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_category_code_already_in_the_catalogue_says_so(world, lang):  # noqa: F811
    app, _ = world
    taken = ("这个类别编号已经有了，请换一个编号。", "This category code is already taken.")
    admin = _in(app, "nk-admin")
    if lang == "en":
        admin.post("/backoffice/lang", {"lang": "en", "next": "/backoffice/"})
    add = "/backoffice/region/rules/categories"
    assert admin.post(add, {"code": "filial", "name": "积孝"}).status_code == 303
    _says(admin, admin.post(add, {"code": "filial", "name": "孝老"}), lang, taken)
    assert _count(app, DistrictRuleCategory.id) == 1
    village_admin = _in(app, "a-admin")
    if lang == "en":
        village_admin.post("/backoffice/lang", {"lang": "en", "next": "/backoffice/"})
    categories = _count(app, RuleCategory.id)
    add = "/backoffice/rules/categories"
    assert village_admin.post(add, {"code": "kind", "name": "积善"}).status_code == 303
    _says(village_admin, village_admin.post(add, {"code": "kind", "name": "行善"}), lang, taken)
    assert _count(app, RuleCategory.id) == categories + 1
