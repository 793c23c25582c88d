"""A form sent with a field left empty says which field, in the reader's language, and writes
nothing: on SQLite and on PostgreSQL, through the pages a clerk or the panel meets (the browser's
`required` stops most of these; an old browser, a cleared field or a page of its own does not)."""

from __future__ import annotations

import html

import pytest
from sqlalchemy import func, select

from shop.models import Activity, Household, Member, Product, Rule

from .conftest import StaffClient
from .test_pages_postgres import pg_app  # noqa: F401  (the demo instance on PostgreSQL)

# What every one of these said before (required_fields), in both languages: never again here.
VAGUE = ("请把必填的内容填完整", "Please fill in every required field")


@pytest.fixture(params=["sqlite", "postgres"])
def any_app(request):
    return request.getfixturevalue("app" if request.param == "sqlite" else "pg_app")


def _panel(app, lang: str) -> StaffClient:
    panel = StaffClient(app)
    assert panel.login("panel").status_code == 303
    if lang == "en":
        panel.post("/backoffice/lang", {"lang": "en", "next": "/backoffice/"})
    return panel


def _count(app, column, *where) -> int:
    with app.extensions["kiosk_db"].reader() as db:
        return db.scalar(select(func.count(column)).where(*where))


def _a_household(app) -> Household:
    with app.extensions["kiosk_db"].reader() as db:
        return db.scalar(
            select(Household).where(Household.status == "active").order_by(Household.number)
        )


def _said(panel: StaffClient, answer) -> str:
    """The words the clerk reads: the page itself, or the page a redirect lands on (a flash)."""
    if answer.status_code == 303:
        answer = panel.get(answer.headers["Location"])
    return html.unescape(answer.text)


def _assert_says(page: str, lang: str, zh: str, en: str) -> None:
    assert (zh if lang == "zh" else en) in page
    assert not any(vague in page for vague in VAGUE)


NEW_HOUSEHOLD = [
    ({"number": ""}, "请填写户号。", "Fill in the household number."),
    ({"head_name": "  "}, "请填写户主姓名。", "Fill in the name of the head of household."),
    ({"members": "0"}, "人口要写1或更大的整数。", "Members must be a whole number, 1 or more."),
    ({"members": "两"}, "人口要写1或更大的整数。", "Members must be a whole number, 1 or more."),
]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_new_household_missing_a_field_names_that_field(any_app, lang):
    app = any_app
    panel = _panel(app, lang)
    before = _count(app, Household.id)
    for change, zh, en in NEW_HOUSEHOLD:
        form = {"number": "88-001", "head_name": "王五", "group_name": "", "members": "2", **change}
        refused = panel.post("/backoffice/households", form)
        assert refused.status_code == 422, change
        _assert_says(_said(panel, refused), lang, zh, en)
    assert _count(app, Household.id) == before


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_household_edit_without_the_head_name_says_so_and_keeps_the_name(any_app, lang):
    app = any_app
    home = _a_household(app)
    panel = _panel(app, lang)
    refused = panel.post(
        f"/backoffice/households/{home.id}/edit",
        {"head_name": "", "group_name": home.group_name, "members": str(home.members)},
    )
    assert refused.status_code == 303
    head = ("请填写户主姓名。", "Fill in the name of the head of household.")
    _assert_says(_said(panel, refused), lang, *head)
    assert _a_household(app).head_name == home.head_name


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_family_member_without_a_name_and_a_split_without_a_number_say_which(any_app, lang):
    app = any_app
    home = _a_household(app)
    panel = _panel(app, lang)
    members = _count(app, Member.id, Member.household_id == home.id)
    nameless = panel.post(
        f"/backoffice/households/{home.id}/members", {"name": " ", "relation": "child"}
    )
    _assert_says(
        _said(panel, nameless), lang, "请填写家庭成员的姓名。", "Fill in the family member's name."
    )
    assert _count(app, Member.id, Member.household_id == home.id) == members
    split = panel.post(
        f"/backoffice/households/{home.id}/split", {"number": "", "member": [], "points": "0"}
    )
    assert split.status_code == 422
    _assert_says(_said(panel, split), lang, "请填写户号。", "Fill in the household number.")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_an_activity_without_a_date_and_a_product_without_a_name_say_which(any_app, lang):
    app = any_app
    panel = _panel(app, lang)
    with app.extensions["kiosk_db"].reader() as db:
        rule_id = db.scalar(select(Rule.id).where(Rule.points > 0).order_by(Rule.id))
    activities = _count(app, Activity.id)
    dateless = panel.post(
        "/backoffice/activities", {"name": "村屯绿化", "rule_id": rule_id, "held_on": ""}
    )
    date = ("请填写活动日期。", "Fill in the date of the activity.")
    _assert_says(_said(panel, dateless), lang, *date)
    assert _count(app, Activity.id) == activities

    volunteer = StaffClient(app)
    assert volunteer.login("volunteer").status_code == 303
    if lang == "en":
        volunteer.post("/backoffice/lang", {"lang": "en", "next": "/backoffice/"})
    nameless = volunteer.post(
        "/backoffice/stock/products",
        {"sku": "XZ-9", "name": " ", "unit": "块", "points": "5"},
    )
    assert nameless.status_code == 422 and 'data-code="product_name_required"' in nameless.text
    _assert_says(_said(volunteer, nameless), lang, "请填写商品名称。", "Fill in the product name.")
    assert _count(app, Product.id, Product.sku == "XZ-9") == 0
