"""Household PINs (户密码): an optional second factor beside the passbook.

The PIN is an argon2 hash on the household row. Wrong PINs are counted in the database with a
guarded UPDATE, so neither a restart nor two kiosks at once can reset or skip the count; at
`MAX_FAILURES` the household is locked until a clerk unlocks it. A correct PIN never unlocks.

`check_pin` reports a wrong PIN as a result, not as an exception: the caller's unit of work must
commit the failure count, and a raised DomainError would roll it back.

The policy (when a household with a PIN is asked for it) and the lock are rules of the shop, so
they live here and every edge asks the same functions: the kiosk's screens, the JSON API, and
`redemptions.redeem`, which refuses a locked household whoever calls it.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import case, select, update
from sqlalchemy.orm import Session

from shop import ledger
from shop.errors import DomainError
from shop.households.models import Household
from shop.staff.operations import check_secret, hash_secret

MAX_FAILURES = 5
PIN_LENGTHS = range(4, 7)  # 4 to 6 digits: short enough for an elder, long enough to matter


@dataclass(frozen=True)
class PinCheck:
    """The outcome of one PIN attempt. `tries_left` is 0 once the household is locked."""

    ok: bool
    failures: int
    locked: bool

    @property
    def tries_left(self) -> int:
        return 0 if self.locked else max(0, MAX_FAILURES - self.failures)


@dataclass(frozen=True)
class PinPolicy:
    """PIN_POLICY: `never`, `always`, or `above:N` (a basket worth more than N points).

    Only households that chose a PIN are ever asked. A mistyped policy errs on the safe side
    (always ask)."""

    mode: str = "never"
    above: int = 0

    @classmethod
    def parse(cls, text: str | None) -> PinPolicy:
        value = str(text or "never").strip().lower()
        if value in ("never", "always"):
            return cls(value)
        if value.startswith("above:"):
            try:
                return cls("above", int(value.split(":", 1)[1]))
            except ValueError:
                return cls("always")
        return cls("always")

    def asks(self, household: Household, total: int) -> bool:
        """Whether this household must type its PIN before spending `total` points."""
        if not has_pin(household):
            return False
        if self.mode == "always":
            return True
        if self.mode == "above":
            return total > self.above
        return False


def pin_required(household: Household, total: int, policy: str | PinPolicy | None) -> bool:
    if not isinstance(policy, PinPolicy):
        policy = PinPolicy.parse(policy)
    return policy.asks(household, total)


def ensure_not_locked(session: Session, household: Household) -> None:
    """Refuse a household locked after too many wrong PINs (read from the database, not from
    an object loaded before another kiosk locked it)."""
    locked = session.scalar(select(Household.is_pin_locked).where(Household.id == household.id))
    if locked:
        raise DomainError("household_locked", household.number, household_id=household.id)


def authorize_spend(
    session: Session,
    household: Household,
    total: int,
    *,
    policy: str | PinPolicy | None,
    pin: str | None,
) -> PinCheck | None:
    """The lock and the PIN policy for one basket, for an edge without a keypad screen (the API).

    Raises household_locked, or pin_required when the policy asks and no PIN came. With a PIN it
    returns the `check_pin` outcome, whose failure count the caller commits before refusing
    (wrong_pin); None when no PIN is needed.
    """
    ensure_not_locked(session, household)
    if not pin_required(household, total, policy):
        return None
    if pin is None or pin == "":
        raise DomainError("pin_required", household.number)
    if not valid_pin(pin):
        raise DomainError("wrong_pin", household.number)
    return check_pin(session, household, pin)


def valid_pin(pin: str) -> bool:
    return isinstance(pin, str) and pin.isascii() and pin.isdigit() and len(pin) in PIN_LENGTHS


def has_pin(household: Household) -> bool:
    return bool(household.pin_hash)


def set_pin(session: Session, household: Household, pin: str, *, actor: str) -> None:
    """Set or change the household's PIN; clears the failure count and any lock."""
    if not valid_pin(pin):
        raise DomainError("invalid_household_pin")
    session.execute(
        update(Household)
        .where(Household.id == household.id)
        .values(pin_hash=hash_secret(pin), pin_failures=0, is_pin_locked=False)
    )
    session.expire(household, ["pin_hash", "pin_failures", "is_pin_locked"])
    ledger.append(
        session,
        household.village_id,
        "household_change",
        actor=actor,
        ref=f"household:{household.number}",
        memo="pin set",
    )


def clear_pin(session: Session, household: Household, *, actor: str) -> None:
    """Remove the household's PIN (the household asked to stop using one)."""
    session.execute(
        update(Household)
        .where(Household.id == household.id)
        .values(pin_hash=None, pin_failures=0, is_pin_locked=False)
    )
    session.expire(household, ["pin_hash", "pin_failures", "is_pin_locked"])
    ledger.append(
        session,
        household.village_id,
        "household_change",
        actor=actor,
        ref=f"household:{household.number}",
        memo="pin cleared",
    )


def check_pin(session: Session, household: Household, pin: str) -> PinCheck:
    """One attempt at the household's PIN. Counts a failure in the database; locks at 5.

    Raises household_locked if the household was locked before this attempt (nothing is
    counted then), invalid_input for something that is not a PIN at all (not counted either).
    """
    if not has_pin(household):
        raise DomainError("no_household_pin")
    if not valid_pin(pin):
        raise DomainError("invalid_household_pin")
    locked_before = session.scalar(
        select(Household.is_pin_locked).where(Household.id == household.id)
    )
    if locked_before:
        raise DomainError("household_locked", household.number)
    if check_secret(household.pin_hash, pin):
        # Guarded: a lock set by another kiosk meanwhile is not undone by a right PIN here.
        reset = session.execute(
            update(Household)
            .where(Household.id == household.id, Household.is_pin_locked.is_(False))
            .values(pin_failures=0)
            .returning(Household.id)
        ).scalar_one_or_none()
        session.expire(household, ["pin_failures", "is_pin_locked"])
        if reset is None:
            raise DomainError("household_locked", household.number)
        return PinCheck(ok=True, failures=0, locked=False)
    row = session.execute(
        update(Household)
        .where(Household.id == household.id, Household.is_pin_locked.is_(False))
        .values(
            pin_failures=Household.pin_failures + 1,
            is_pin_locked=case((Household.pin_failures + 1 >= MAX_FAILURES, True), else_=False),
        )
        .returning(Household.pin_failures, Household.is_pin_locked)
    ).one_or_none()
    session.expire(household, ["pin_failures", "is_pin_locked"])
    if row is None:
        raise DomainError("household_locked", household.number)
    failures, locked = row
    return PinCheck(ok=False, failures=failures, locked=bool(locked))


def unlock_pin(session: Session, household: Household, *, actor: str) -> None:
    """The clerk's unlock after too many wrong PINs: the count starts again from zero."""
    session.execute(
        update(Household)
        .where(Household.id == household.id)
        .values(pin_failures=0, is_pin_locked=False)
    )
    session.expire(household, ["pin_failures", "is_pin_locked"])
    ledger.append(
        session,
        household.village_id,
        "household_change",
        actor=actor,
        ref=f"household:{household.number}",
        memo="pin unlocked",
    )
