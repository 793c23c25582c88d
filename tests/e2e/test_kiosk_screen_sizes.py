"""A 10-inch kiosk, landscape (1024x600) and portrait (800x1280): nothing that matters is below
the fold on any screen of a visit, every good is within reach of the big ▲▼, and the household
sees the fate of its applications (issue 11)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from shop.db import unit_of_work
from shop.models import Household, Rule
from shop.points import applications

from .conftest import PORTRAIT, SMALL, shoot, wedge_scan
from .test_kiosk_flow import expect_screen

pytestmark = pytest.mark.browser


def assert_on_screen(page, selector: str) -> None:
    """The element is wholly inside the window, with no scrolling of the page itself."""
    expect(page.locator(selector).first).to_be_visible()
    box = page.locator(selector).first.bounding_box()
    size = page.viewport_size
    assert box is not None, f"{selector} is not shown"
    assert box["x"] >= 0 and box["y"] >= 0, f"{selector} starts off screen: {box}"
    assert box["x"] + box["width"] <= size["width"] + 0.5, f"{selector} too wide: {box}"
    assert box["y"] + box["height"] <= size["height"] + 0.5, f"{selector} below the fold: {box}"
    assert page.evaluate("window.scrollY") == 0


def _tiles_reached_by_paging(page) -> set[str]:
    """Page through the goods with ▼ and note every tile that was wholly in view."""
    seen: set[str] = set()
    for _ in range(12):
        seen |= set(
            page.evaluate(
                """() => {
                const area = document.getElementById("goods-scroll").getBoundingClientRect();
                return [...document.querySelectorAll("#goods .tile")].filter(t => {
                  const r = t.getBoundingClientRect();
                  return r.top >= area.top - 1 && r.bottom <= area.bottom + 1;
                }).map(t => t.dataset.sku);
            }"""
            )
        )
        down = page.locator("#goods-down")
        if not down.is_visible() or down.is_disabled():
            break
        down.click()
        page.wait_for_timeout(400)  # the smooth scroll
    return seen


@pytest.mark.parametrize("size", [SMALL, PORTRAIT], ids=["1024x600", "800x1280"])
def test_every_screen_of_a_visit_fits_and_every_good_is_within_reach(page, live, size):
    page.set_viewport_size(size)
    row = live.passbooks.active(10)
    page.goto(live.url + "/")
    expect_screen(page, "waiting")
    assert_on_screen(page, ".scan-prompt, #screen-title")

    wedge_scan(page, row["存折二维码"])
    expect_screen(page, "household")
    for selector in (
        "#balance",
        "#exit",
        "#basket-count",
        "#review",
        "#apply-for-points",
        "#tab-applications",
    ):
        assert_on_screen(page, selector)
    tiles = page.locator("#goods .tile")
    every = {tiles.nth(i).get_attribute("data-sku") for i in range(tiles.count())}
    if page.locator("#goods-pager").is_visible():  # more goods than fit: the cue says how many
        assert_on_screen(page, "#goods-down")
        expect(page.locator("#goods-up")).to_be_disabled()  # at the top, ▲ has nowhere to go
        expect(page.locator("#goods-more")).to_contain_text("还有")
    assert _tiles_reached_by_paging(page) == every

    page.get_by_role("button", name="加一件：肥皂").click()
    expect(page.locator("#basket-count")).to_have_text("1")
    page.get_by_role("button", name="下一步").click()
    expect_screen(page, "confirm")
    for selector in (
        "#confirm-total",
        "#confirm-remaining",
        "#back-to-goods",
        "#confirm-form button[type=submit]",
    ):
        assert_on_screen(page, selector)
    page.get_by_role("button", name="确认兑换").click()
    expect_screen(page, "done")
    page.wait_for_selector('#screen[data-print="printed"]')  # the screen swaps once printed
    for selector in ("#receipt-no", "#balance-after", "#finish"):
        assert_on_screen(page, selector)
    page.locator("#finish").click()
    expect_screen(page, "waiting")

    wedge_scan(page, live.passbooks.lost["存折二维码"])
    page.wait_for_selector('#screen[data-screen="error"]')
    assert_on_screen(page, "#way-back")
    page.locator("#way-back").click()
    expect_screen(page, "waiting")


@pytest.mark.parametrize("size", [SMALL, PORTRAIT], ids=["1024x600", "800x1280"])
def test_the_switch_question_and_the_apply_screen_fit(page, live, size):
    page.set_viewport_size(size)
    first, second = live.passbooks.active(11), live.passbooks.active(12)
    page.goto(live.url + "/")
    wedge_scan(page, first["存折二维码"])
    expect_screen(page, "household")
    page.get_by_role("button", name="加一件：肥皂").click()
    expect(page.locator("#basket-count")).to_have_text("1")
    wedge_scan(page, second["存折二维码"])
    expect_screen(page, "switch")
    assert_on_screen(page, "#switch-yes")
    assert_on_screen(page, "#way-back")
    page.locator("#way-back").click()
    expect_screen(page, "household")

    page.locator("#apply-for-points").click()
    expect_screen(page, "apply")
    assert_on_screen(page, "#way-back")
    if size == SMALL:
        shoot(page, "26-apply-for-points", portrait=True)


def test_my_applications_show_waiting_approved_and_rejected_with_the_reason(page, live):
    row = live.passbooks.active(13)
    with live.app.app_context(), unit_of_work(live.db().writer) as session:
        household = session.scalar(select(Household).where(Household.number == row["户号"]))
        rules = session.scalars(
            select(Rule).where(Rule.is_active, Rule.points > 0).order_by(Rule.id).limit(3)
        ).all()
        made = [
            applications.submit_application(session, household, rule, actor="test")
            for rule in rules
        ]
        applications.approve_application(session, household.village_id, made[1].id, actor="panel")
        applications.reject_application(
            session, household.village_id, made[2].id, reason="没有照片，看不出来", actor="panel"
        )
        approved_points = rules[1].points
    page.goto(live.url + "/")
    wedge_scan(page, row["存折二维码"])
    expect_screen(page, "household")
    expect(page.locator("#tab-applications .tab-count")).to_have_text("3")
    page.locator("#tab-applications").click()
    listing = page.locator("#applications")
    expect(listing).to_be_visible()
    expect(listing.locator('[data-state="pending"]')).to_contain_text("等审核")
    expect(listing.locator('[data-state="approved"]')).to_contain_text(f"+{approved_points}")
    rejected = listing.locator('[data-state="rejected"]')
    expect(rejected).to_contain_text("没通过")
    expect(rejected).to_contain_text("没有照片，看不出来")
    shoot(page, "25-my-applications", portrait=True)


def test_who_came_asks_with_one_big_button_per_member(page, live):
    from shop.households import family, visitors
    from shop.models import Village

    row = live.passbooks.active(14)
    with live.app.app_context(), unit_of_work(live.db().writer) as session:
        household = session.scalar(select(Household).where(Household.number == row["户号"]))
        village = session.get(Village, household.village_id)
        visitors.set_asks_who_came(session, village, True, actor="test")
        family.add_member(session, household, "李秀英", "spouse", actor="test")
        family.add_member(session, household, "王建军", "child", actor="test")
    try:
        page.goto(live.url + "/")
        wedge_scan(page, row["存折二维码"])
        expect_screen(page, "who")
        buttons = page.locator(".who-member")
        expect(buttons).to_have_count(3)  # the head, listed first, and the two members
        expect(buttons.first).to_contain_text("户主")
        for i in range(3):
            assert_on_screen(page, f".who-member >> nth={i}")
        shoot(page, "27-who-came", portrait=True)
        page.get_by_role("button", name="李秀英").click()
        expect_screen(page, "household")
    finally:
        with live.app.app_context(), unit_of_work(live.db().writer) as session:
            visitors.set_asks_who_came(session, session.get(Village, village.id), False, actor="t")
