"""A redemption day at one screen: a queue of villagers, a slow printer, hurried taps.

The page is loaded once, as on the kiosk, and serves every villager in turn; nothing reloads it.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from shop.models import Household, PrintJob, Redemption

from .conftest import wedge_scan
from .printers import SlowPrinter
from .test_kiosk_flow import expect_screen, expect_text

pytestmark = pytest.mark.browser

QUEUE = 10


def _balances(live, numbers: list[str]) -> dict[str, tuple[int, int]]:
    """household number -> (balance, redemptions)."""
    with live.app.app_context(), live.db().reader() as session:
        rows = session.execute(
            select(Household.number, Household.balance, func.count(Redemption.id))
            .outerjoin(Redemption, Redemption.household_id == Household.id)
            .where(Household.number.in_(numbers))
            .group_by(Household.id)
        ).all()
    return {number: (balance, count) for number, balance, count in rows}


@pytest.fixture
def slow_printer():
    printer = SlowPrinter(delay=2.0)
    yield printer
    printer.close()


def test_ten_villagers_in_a_row_each_tapping_finish_at_once_are_all_served_once(
    page, live, slow_printer
):
    queue = [live.passbooks.active(n) for n in range(12, 12 + QUEUE)]
    numbers = [row["户号"] for row in queue]
    before = _balances(live, numbers)
    with live.config(PRINTER=slow_printer.url):
        page.goto(live.url + "/")
        expect_screen(page, "waiting")
        for served, row in enumerate(queue):
            print(f"villager {served + 1} of {QUEUE}: {row['户号']}")
            wedge_scan(page, row["存折二维码"])
            page.wait_for_selector(
                f'#screen[data-screen="household"][data-household="{row["户号"]}"]'
            )
            page.get_by_role("button", name="拿一件：食盐").click()
            expect_text(page, "#basket-count", "1")
            page.get_by_role("button", name="下一步").click()
            expect_screen(page, "confirm")
            page.get_by_role("button", name="确认兑换").click()
            expect_screen(page, "done")
            # The receipt is still on its way to the printer: the villager taps 结束 at once.
            assert page.locator("#screen").get_attribute("data-print") == "pending"
            page.get_by_role("button", name="结束").click()
            expect_screen(page, "waiting")
        # The last print finishes while the screen waits; the late answer must not bring the
        # done screen back over the waiting one.
        assert slow_printer.wait_for_jobs(QUEUE, timeout=QUEUE * 2.5 + 5) == QUEUE
        page.wait_for_timeout(300)
        expect_screen(page, "waiting")

    after = _balances(live, numbers)
    for number in numbers:
        balance, count = before[number]
        assert after[number] == (balance - 3, count + 1), number
    with live.app.app_context(), live.db().reader() as session:
        states = session.scalars(
            select(PrintJob.state)
            .join(Redemption, Redemption.id == PrintJob.redemption_id)
            .join(Household, Household.id == Redemption.household_id)
            .where(Household.number.in_(numbers))
        ).all()
    assert sorted(states) == ["printed"] * QUEUE


def test_a_scan_within_the_frame_of_a_tap_asks_before_it_forgets_the_tapped_goods(page, live):
    """A tap's basket sync waits for its paint; a scan (or a button) in that frame must not
    overtake it, or the server would see an empty basket and move on to the next household,
    dropping what the villager just chose without asking."""
    first, second = live.passbooks.active(4), live.passbooks.active(5)
    page.goto(live.url + "/")
    wedge_scan(page, first["存折二维码"])
    expect_screen(page, "household")
    # The tap and the scan in one task: the scan starts before the frame that sends the tap.
    page.evaluate(
        """(code) => {
            document.querySelector('[data-tap="1"]:not([disabled])').click();
            window.Kiosk.scan({code: code, source: "wedge", end: "enter", layout: ""});
        }""",
        second["存折二维码"],
    )
    expect_screen(page, "switch")
    page.locator("#way-back").click()
    expect_screen(page, "household")
    assert page.locator("#screen").get_attribute("data-household") == first["户号"]
    expect_text(page, "#basket-count", "1")
