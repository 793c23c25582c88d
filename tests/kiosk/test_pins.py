"""shop.pins: argon2 PINs, failures counted by guarded UPDATEs, a lock only a clerk lifts."""

from __future__ import annotations

import pytest

from shop.errors import DomainError
from shop.households import pins
from shop.models import Journal


def test_a_set_pin_is_stored_as_an_argon2_hash_and_journaled(session, create_household):
    household = create_household(10)
    pins.set_pin(session, household, "2468", actor="clerk:test")
    assert household.pin_hash.startswith("$argon2") and "2468" not in household.pin_hash
    last = session.query(Journal).order_by(Journal.id.desc()).first()
    assert (last.kind, last.memo) == ("household_change", "pin set")


@pytest.mark.parametrize("pin", ["123", "1234567", "12a4", "", "１２３４"])
def test_a_pin_must_be_four_to_six_ascii_digits(session, create_household, pin):
    with pytest.raises(DomainError) as err:
        pins.set_pin(session, create_household(), pin, actor="clerk:test")
    assert err.value.code == "invalid_household_pin"


def test_wrong_pins_count_up_and_the_fifth_locks(session, create_household):
    household = create_household(10)
    pins.set_pin(session, household, "2468", actor="clerk:test")
    results = [pins.check_pin(session, household, "1357") for _ in range(5)]
    assert [r.failures for r in results] == [1, 2, 3, 4, 5]
    assert [r.tries_left for r in results] == [4, 3, 2, 1, 0]
    assert [r.locked for r in results] == [False] * 4 + [True]
    session.refresh(household)
    assert (household.pin_failures, household.is_pin_locked) == (5, True)


def test_a_locked_household_refuses_even_the_right_pin(session, create_household):
    household = create_household(10)
    pins.set_pin(session, household, "2468", actor="clerk:test")
    for _ in range(5):
        pins.check_pin(session, household, "0000")
    with pytest.raises(DomainError) as err:
        pins.check_pin(session, household, "2468")
    assert err.value.code == "household_locked"
    session.refresh(household)
    assert household.pin_failures == 5  # nothing more counted while locked


def test_the_right_pin_resets_the_count(session, create_household):
    household = create_household(10)
    pins.set_pin(session, household, "2468", actor="clerk:test")
    pins.check_pin(session, household, "0000")
    assert pins.check_pin(session, household, "2468").ok
    session.refresh(household)
    assert household.pin_failures == 0


def test_the_clerk_unlocks_and_the_count_starts_again(session, create_household):
    household = create_household(10)
    pins.set_pin(session, household, "2468", actor="clerk:test")
    for _ in range(5):
        pins.check_pin(session, household, "0000")
    pins.unlock_pin(session, household, actor="clerk:test")
    session.refresh(household)
    assert (household.pin_failures, household.is_pin_locked) == (0, False)
    assert pins.check_pin(session, household, "2468").ok


def test_failures_are_counted_with_a_guarded_update_not_read_then_write(session, create_household):
    from sqlalchemy import event

    household = create_household(10)
    pins.set_pin(session, household, "2468", actor="clerk:test")
    statements: list[str] = []

    def capture(conn, cursor, statement, *args):
        statements.append(" ".join(statement.lower().split()))

    engine = session.get_bind().engine
    event.listen(engine, "before_cursor_execute", capture)
    try:
        pins.check_pin(session, household, "0000")
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    counted = [s for s in statements if s.startswith("update households")]
    assert counted and "pin_failures + " in counted[0] and "returning" in counted[0]


def test_a_household_without_a_pin_cannot_be_checked(session, create_household):
    with pytest.raises(DomainError) as err:
        pins.check_pin(session, create_household(), "1234")
    assert err.value.code == "no_household_pin"
