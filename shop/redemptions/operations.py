"""Redemptions (兑换): points for goods, all or nothing, once per idempotency key."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Iterable, Mapping

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, make_transient_to_detached

from shop import ledger
from shop.base import utcnow
from shop.errors import DomainError
from shop.households import pins
from shop.households.models import Household
from shop.ledger import closing_grammar
from shop.redemptions import dayclose, dayreport, limits
from shop.redemptions.models import Redemption, RedemptionLine
from shop.regions.models import Kiosk
from shop.stock.models import Product
from shop.text import plain_text

MAX_QTY_PER_LINE = 99
_KEY = re.compile(r"^[A-Za-z0-9_.:-]{8,64}$")


def normalize_lines(lines: Iterable[tuple[str, int]] | Mapping[str, int]) -> dict[str, int]:
    """sku -> qty, merged; refuses what no shop would accept (zero, negative, huge, not whole)."""
    pairs = lines.items() if isinstance(lines, Mapping) else lines
    wanted: dict[str, int] = {}
    for sku, qty in pairs:
        if not isinstance(qty, int) or isinstance(qty, bool) or qty < 1 or qty > MAX_QTY_PER_LINE:
            raise DomainError("invalid_quantity", f"{sku}: {qty!r}")
        if not isinstance(sku, str) or not sku:
            raise DomainError("unknown_product", repr(sku))
        wanted[sku] = wanted.get(sku, 0) + qty
        if wanted[sku] > MAX_QTY_PER_LINE:
            raise DomainError("invalid_quantity", f"{sku}: {wanted[sku]}")
    if not wanted:
        raise DomainError("empty_basket")
    return wanted


def basket_total(session: Session, village_id: int, lines) -> int:
    """What a basket costs at today's prices (goods not on offer count nothing: `redeem`
    refuses them by name). For the PIN policy, which asks above a total."""
    wanted = normalize_lines(lines)
    prices = dict(
        session.execute(
            select(Product.sku, Product.points).where(
                Product.village_id == village_id, Product.sku.in_(wanted)
            )
        ).all()
    )
    return sum(prices.get(sku, 0) * qty for sku, qty in wanted.items())


def redemption_path(session: Session) -> str:
    """Which twin runs the steps: "server" (PostgreSQL's shop_redeem, one round trip) or "steps"
    (the Python below, on SQLite). docs/ARCHITECTURE.md says why there are two; the conformance
    suite (tests/shop/test_redemption_conformance.py) runs every rule through both."""
    return "server" if session.get_bind().dialect.name == "postgresql" else "steps"


def redeem(
    session: Session,
    household: Household,
    lines: Iterable[tuple[str, int]] | Mapping[str, int],
    *,
    kiosk: Kiosk,
    idempotency_key: str,
    actor: str = "",
    at: dt.datetime | None = None,
) -> Redemption:
    """Debit points, take goods off the shelf, number the receipt and journal it, together.

    The same key again returns the first redemption; the same key with another basket is refused
    (idempotency_conflict). Debits are guarded UPDATEs: two kiosks can never spend one balance
    twice, on SQLite or PostgreSQL. SQLite runs the steps below (`_redeem`); PostgreSQL runs the
    same steps in the server function shop_redeem, in one round trip.
    """
    if not isinstance(idempotency_key, str) or not _KEY.match(idempotency_key):
        # Made by the kiosk's page or an API client, never typed: a machine's mistake.
        raise DomainError("invalid_input", "idempotency key: 8-64 letters, digits, _.:-")
    if kiosk.retired_at is not None:
        # Checked before both twins: a retired kiosk's device code sells no more.
        raise DomainError("kiosk_retired", kiosk.code)
    dayclose.check_clock(session, kiosk, at or utcnow())
    # Checked before both twins too: a household locked after wrong PINs waits for the clerk,
    # whichever edge (kiosk, API) asks.
    pins.ensure_not_locked(session, household)
    wanted = normalize_lines(lines)
    request_hash = _request_hash(household.id, kiosk.id, wanted)
    if redemption_path(session) == "server":
        return _redeem_in_one_call(
            session, household, wanted, kiosk, idempotency_key, request_hash, actor, at
        )
    earlier = _earlier(session, household.village_id, idempotency_key, request_hash)
    if earlier is not None:
        return earlier
    try:
        with session.begin_nested():
            return _redeem(
                session, household, wanted, kiosk, idempotency_key, request_hash, actor, at
            )
    except IntegrityError:
        # A concurrent request with the same key committed first: answer with its result.
        earlier = _earlier(session, household.village_id, idempotency_key, request_hash)
        if earlier is not None:
            return earlier
        raise


def _redeem(session, household, wanted, kiosk, key, request_hash, actor, at) -> Redemption:
    now = at or utcnow()
    limits.check_window(session, household.village_id, now)
    products = {
        p.sku: p
        for p in session.scalars(
            select(Product).where(
                Product.village_id == household.village_id, Product.sku.in_(wanted)
            )
        )
    }
    for sku in wanted:
        if sku not in products:
            raise DomainError("unknown_product", sku)
        if not products[sku].is_active:
            raise DomainError("product_inactive", sku, sku_name=products[sku].name)
    total = sum(products[sku].points * qty for sku, qty in wanted.items())

    balance_after = session.execute(
        update(Household)
        .execution_options(synchronize_session=False)
        .where(
            Household.id == household.id, Household.status == "active", Household.balance >= total
        )
        .values(balance=Household.balance - total)
        .returning(Household.balance)
    ).scalar_one_or_none()
    if balance_after is None:
        status, balance = session.execute(
            select(Household.status, Household.balance).where(Household.id == household.id)
        ).one()
        if status != "active":
            raise DomainError("household_inactive", household.number)
        raise DomainError("insufficient_points", need=total, have=balance)

    moves = []
    # Lock products in one order everywhere, so two baskets can never deadlock each other.
    for product in sorted((products[s] for s in wanted), key=lambda p: p.id):
        qty = wanted[product.sku]
        on_hand_after = session.execute(
            update(Product)
            .execution_options(synchronize_session=False)
            .where(Product.id == product.id, Product.is_active, Product.on_hand >= qty)
            .values(on_hand=Product.on_hand - qty)
            .returning(Product.on_hand)
        ).scalar_one_or_none()
        if on_hand_after is None:
            raise DomainError("out_of_stock", product.sku, sku_name=product.name)
        moves.append(ledger.Move(product.id, -qty, on_hand_after, "redemption"))
    charged = limits.charge_limits(
        session, household.id, {products[s].id: q for s, q in wanted.items()}, now
    )

    seq = session.execute(
        update(Kiosk)
        .execution_options(synchronize_session=False)
        .where(Kiosk.id == kiosk.id)
        .values(last_receipt_seq=Kiosk.last_receipt_seq + 1)
        .returning(Kiosk.last_receipt_seq)
    ).scalar_one()
    # Checked after the kiosk's row is locked, so a day close running now is either committed
    # (and seen here) or waits for this receipt.
    dayclose.check_day_open(session, kiosk.id, now)
    receipt_no = dayreport.receipt_number(kiosk, seq)
    entry = ledger.append(
        session,
        household.village_id,
        "redemption",
        actor=actor or f"kiosk:{kiosk.code}",
        ref=receipt_no,
        points=[ledger.Posting(household.id, -total, balance_after)],
        stock=moves,
        at=now,
    )
    receipt = _new_receipt(
        household,
        kiosk,
        key,
        request_hash,
        now,
        receipt_seq=seq,
        receipt_no=receipt_no,
        total=total,
        balance_after=balance_after,
        journal_id=entry.id,
        lines=[
            RedemptionLine(product_id=products[sku].id, qty=qty, points_each=products[sku].points)
            for sku, qty in wanted.items()
        ],
    )
    session.add(receipt)
    session.flush()
    limits.record_charges(session, receipt.id, household.id, charged)
    session.expire(household, ["balance"])
    for product in products.values():
        session.expire(product, ["on_hand"])
    return receipt


# Positional, through the driver: this runs once per sale, and SQLAlchemy's text() would parse
# the statement and build a keyed row each time (a third of the client's work per sale).
_REDEEM_PG = (
    "SELECT * FROM shop_redeem(%s::bigint, %s::bigint, %s::bigint, %s::text, %s::text[], "
    "%s::bigint[], %s::text, %s::text, %s::text, %s::timestamptz, %s::text, %s::date, "
    "%s::text, %s::text, %s::text)"
)


def _redeem_in_one_call(session, household, wanted, kiosk, key, request_hash, actor, at):
    """PostgreSQL: the same steps as `_redeem`, run by the server function shop_redeem
    (shop/redemptions/sql/redeem_v2.sql) in one round trip, so the village's chain head is locked
    for the last few inserts and the commit only, however many kiosks are selling."""
    now = at or utcnow()
    day = limits.local_date(now)
    row = (
        session.connection()
        .exec_driver_sql(
            _REDEEM_PG,
            (
                household.village_id,
                household.id,
                kiosk.id,
                kiosk.prefix,
                list(wanted),
                list(wanted.values()),
                key,
                request_hash,
                actor or f"kiosk:{kiosk.code}",
                now,
                ledger.format_ts(now),
                day,
                *(limits.period_key(period, day) for period in limits.PERIODS),
            ),
        )
        .one()
    )
    if row.error in ("repeat", "key_taken"):
        # The same key again, or committed by another kiosk while this one waited: its result.
        earlier = _earlier(session, household.village_id, key, request_hash)
        if earlier is None:  # pragma: no cover - the function saw it
            raise DomainError("idempotency_conflict", key)
        return earlier
    if row.error:
        raise _refusal(row.error, row.context or {}, household)
    receipt = _new_receipt(
        household,
        kiosk,
        key,
        request_hash,
        now,
        id=row.redemption_id,
        receipt_seq=row.receipt_seq,
        receipt_no=row.receipt_no,
        total=row.total,
        balance_after=row.balance_after,
        journal_id=row.journal_id,
        void_journal_id=None,
        void_reason=None,
        voided_by=None,
        voided_at=None,
    )
    # Every column is known: attach the receipt as loaded instead of reading it back.
    make_transient_to_detached(receipt)
    session.add(receipt)
    _expire_loaded(session, Household, [household.id], "balance")
    _expire_loaded(session, Product, row.product_ids, "on_hand")
    _expire_loaded(session, Kiosk, [kiosk.id], "last_receipt_seq")
    return receipt


def _new_receipt(household, kiosk, key, request_hash, now, **figures) -> Redemption:
    """A completed receipt, not yet printed: the columns both paths fill the same way."""
    return Redemption(
        village_id=household.village_id,
        kiosk_id=kiosk.id,
        household_id=household.id,
        idempotency_key=key,
        request_hash=request_hash,
        created_at=now,
        state="completed",
        print_state="pending",
        reprint_count=0,
        **figures,
    )


def _refusal(code: str, context: dict, household: Household) -> DomainError:
    """The function's refusal as the DomainError the stepwise path raises."""
    detail = context.pop("detail", None)
    if code == "household_inactive":
        detail = household.number
    for name in ("opens_on", "closes_on", "business_date"):
        if context.get(name):
            context[name] = dt.date.fromisoformat(context[name])
    return DomainError(code, detail, **context)


def _request_hash(household_id: int, kiosk_id: int, wanted: dict[str, int]) -> str:
    body = f"{household_id}|{kiosk_id}|" + ",".join(f"{s}:{q}" for s, q in sorted(wanted.items()))
    return hashlib.sha256(body.encode()).hexdigest()


def _earlier(session: Session, village_id: int, key: str, request_hash: str) -> Redemption | None:
    """The village's receipt made with this key; keys are per village (finding 25)."""
    found = session.scalar(
        select(Redemption).where(
            Redemption.village_id == village_id, Redemption.idempotency_key == key
        )
    )
    if found is not None and found.request_hash != request_hash:
        raise DomainError("idempotency_conflict", key)
    return found


def get_redemption(session: Session, receipt_no: str) -> Redemption:
    found = session.scalar(select(Redemption).where(Redemption.receipt_no == receipt_no))
    if found is None:
        raise DomainError("unknown_receipt", receipt_no)
    return found


def void_redemption(
    session: Session, redemption: Redemption, *, reason: str, actor: str
) -> ledger.Appended:
    """作废: a reversing event that returns the points and the goods. The receipt stays on file."""
    reason = plain_text(reason, "reason", max_length=200)
    if not reason:
        raise DomainError("reason_required")
    with session.begin_nested():
        claimed = session.execute(
            update(Redemption)
            .execution_options(synchronize_session=False)
            .where(Redemption.id == redemption.id, Redemption.state == "completed")
            .values(state="voided", void_reason=reason, voided_by=actor, voided_at=utcnow())
        ).rowcount
        if not claimed:
            raise DomainError("already_voided", redemption.receipt_no)
        balance_after = session.execute(
            update(Household)
            .execution_options(synchronize_session=False)
            .where(Household.id == redemption.household_id)
            .values(balance=Household.balance + redemption.total)
            .returning(Household.balance)
        ).scalar_one()
        moves = []
        for line in sorted(redemption.lines, key=lambda ln: ln.product_id):
            on_hand_after = session.execute(
                update(Product)
                .execution_options(synchronize_session=False)
                .where(Product.id == line.product_id)
                .values(on_hand=Product.on_hand + line.qty)
                .returning(Product.on_hand)
            ).scalar_one()
            moves.append(ledger.Move(line.product_id, line.qty, on_hand_after, "void"))
        # Same lock order as a redemption (household, goods, limits, kiosk, journal head), so a
        # void and a sale of one household at one kiosk can never deadlock.
        limits.refund_limits(session, redemption.id)
        booked = dayclose.book_void(session, redemption)
        entry = ledger.append(
            session,
            redemption.village_id,
            "void",
            actor=actor,
            ref=redemption.receipt_no,
            memo=(
                closing_grammar.memo_void_moved(reason, booked.receipt_date, booked.business_date)
                if booked.is_moved
                else reason
            ),
            points=[ledger.Posting(redemption.household_id, redemption.total, balance_after)],
            stock=moves,
        )
        session.execute(
            update(Redemption)
            .execution_options(synchronize_session=False)
            .where(Redemption.id == redemption.id)
            .values(void_journal_id=entry.id)
        )
    _expire_loaded(session, Household, [redemption.household_id], "balance")
    _expire_loaded(session, Product, [m.product_id for m in moves], "on_hand")
    session.expire(redemption)
    return entry


def _expire_loaded(session: Session, model, ids, attribute: str) -> None:
    """Guarded UPDATEs skip the ORM's sync; refresh the cached figure of objects already loaded."""
    for key in ids:
        loaded = session.identity_map.get(session.identity_key(model, key))
        if loaded is not None:
            session.expire(loaded, [attribute])
