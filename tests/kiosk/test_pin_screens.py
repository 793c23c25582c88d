"""The household PIN at the kiosk: when it is asked, the keypad screen, and the lockout."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from kiosk.db import get_db
from shop.db import unit_of_work
from shop.households import pins
from shop.models import Household, Product

from .conftest import KioskClient, screen_of


def _set_pin(app, number: str, pin: str) -> None:
    with app.app_context(), unit_of_work(get_db().writer) as session:
        household = session.scalar(select(Household).where(Household.number == number))
        pins.set_pin(session, household, pin, actor="test")


def _next(app, kiosk, row, sku="FZ-1"):
    visit = kiosk.nonce(kiosk.scan(row["存折二维码"]))
    with app.app_context(), get_db().reader() as session:
        product = session.scalar(select(Product.id).where(Product.sku == sku))
    kiosk.take(visit, product)
    return visit, kiosk.post("/review", {"visit": visit})


@pytest.mark.parametrize(
    ("policy", "sku", "asked"),
    [
        ("never", "FZ-1", False),
        ("always", "FZ-1", True),
        ("above:20", "FZ-1", False),  # soap: 5 points
        ("above:20", "XYY-2KG", True),  # laundry liquid: 30 points
        ("above:nonsense", "FZ-1", True),  # a mistyped setting errs on the safe side
    ],
)
def test_the_pin_policy_decides_when_the_keypad_is_shown(make_app, passbooks, policy, sku, asked):
    app = make_app(PIN_POLICY=policy)
    row = passbooks["rich"]
    _set_pin(app, row["户号"], "2468")
    _, response = _next(app, KioskClient(app), row, sku)
    assert screen_of(response) == ("pin" if asked else "confirm", None)


def test_a_household_without_a_pin_is_never_asked(make_app, passbooks):
    app = make_app(PIN_POLICY="always")
    _, response = _next(app, KioskClient(app), passbooks["rich"])
    assert screen_of(response) == ("confirm", None)


def test_the_keypad_screen_has_no_text_field(make_app, passbooks):
    app = make_app(PIN_POLICY="always")
    _set_pin(app, passbooks["rich"]["户号"], "2468")
    _, response = _next(app, KioskClient(app), passbooks["rich"])
    inputs = re.findall(r"<input[^>]*>", response.text)
    assert inputs and all('type="hidden"' in tag for tag in inputs)
    assert response.text.count('class="key"') == 10
    # Four dots to start with (the shortest PIN); more appear only as more digits are tapped.
    assert response.text.count('<span class="pin-dot"></span>') == 4
    assert response.text.count('<span class="pin-dot" hidden></span>') == 2


def test_the_right_pin_opens_confirm_and_confirm_cannot_skip_the_pin(make_app, passbooks):
    app = make_app(PIN_POLICY="always")
    kiosk = KioskClient(app)
    row = passbooks["rich"]
    _set_pin(app, row["户号"], "2468")
    visit, _ = _next(app, kiosk, row)
    skipped = kiosk.post("/confirm", {"visit": visit, "key": "kq-skip-0001"})
    assert screen_of(skipped) == ("pin", None)
    right = kiosk.post("/pin", {"visit": visit, "pin": "2468"})
    assert screen_of(right) == ("confirm", None)


def test_five_wrong_pins_lock_the_household_even_across_a_restart(make_app, passbooks):
    app = make_app(PIN_POLICY="always")
    kiosk = KioskClient(app)
    row = passbooks["rich"]
    _set_pin(app, row["户号"], "2468")
    visit, _ = _next(app, kiosk, row)
    for left in (4, 3):
        wrong = kiosk.post("/pin", {"visit": visit, "pin": "1111"})
        assert wrong.status_code == 403
        assert f"还可以试 {left} 次" in wrong.text

    restarted = make_app(PIN_POLICY="always")  # a new process on the same database
    kiosk = KioskClient(restarted)
    visit, _ = _next(restarted, kiosk, row)
    for _ in range(2):
        kiosk.post("/pin", {"visit": visit, "pin": "1111"})
    locked = kiosk.post("/pin", {"visit": visit, "pin": "1111"})
    assert screen_of(locked) == ("error", "household_locked")
    assert screen_of(kiosk.scan(row["存折二维码"])) == ("error", "household_locked")

    with restarted.app_context(), unit_of_work(get_db().writer) as session:
        household = session.scalar(select(Household).where(Household.number == row["户号"]))
        assert (household.pin_failures, household.is_pin_locked) == (5, True)
        pins.unlock_pin(session, household, actor="clerk:test")
    assert screen_of(kiosk.scan(row["存折二维码"])) == ("household", None)
