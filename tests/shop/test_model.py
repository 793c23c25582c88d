"""Model-based test: random awards, redemptions, voids, receipts of stock and adjustments, each
step checked against a plain in-memory model of what the shop should hold."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy.orm import Session

from shop import households, points, redemptions, regions, stock
from shop.errors import DomainError
from shop.ledger.verify import verify_ledger
from shop.models import Household, Product

_ids = itertools.count(1)
PRICES = (3, 7, 20)


def make_machine(engine):
    class Shop(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            self.conn = engine.connect()
            self.outer = self.conn.begin()
            self.s = Session(bind=self.conn, join_transaction_mode="create_savepoint")
            n = next(_ids)
            self.village = regions.create_village(self.s, f"M{n}", f"模型村{n}")
            self.kiosk = regions.create_kiosk(self.s, self.village, f"M{n}K", "机")
            self.homes = [
                households.create_household(self.s, self.village, f"0{i}", "户主", actor="t")
                for i in range(3)
            ]
            self.goods = [
                stock.create_product(self.s, self.village, f"P{i}", "货", price)
                for i, price in enumerate(PRICES)
            ]
            self.balance = [0, 0, 0]
            self.on_hand = [0, 0, 0]
            self.receipts: list[
                list
            ] = []  # [redemption, household index, {product index: qty}, voided]
            self.keys = itertools.count()

        def teardown(self):
            self.s.close()
            self.outer.rollback()
            self.conn.close()

        def expect(self, code, call):
            try:
                result = call()
            except DomainError as exc:
                assert exc.code == code, (exc.code, code)
                return None
            assert code is None, f"expected {code}"
            return result

        @rule(h=st.integers(0, 2), delta=st.integers(-60, 60).filter(bool))
        def award(self, h, delta):
            code = None  # a deduction applies at any balance, even below zero
            call = lambda: points.award_points(self.s, self.homes[h], delta=delta, actor="t")  # noqa: E731
            if self.expect(code, call) is not None:
                self.balance[h] += delta

        @rule(h=st.integers(0, 2), basket=st.dictionaries(st.integers(0, 2), st.integers(1, 4)))
        def redeem(self, h, basket):
            total = sum(PRICES[p] * q for p, q in basket.items())
            if not basket:
                code = "empty_basket"
            elif total > self.balance[h]:
                code = "insufficient_points"
            elif any(q > self.on_hand[p] for p, q in basket.items()):
                code = "out_of_stock"
            else:
                code = None
            lines = {self.goods[p].sku: q for p, q in basket.items()}
            key = f"model-{self.village.id}-{next(self.keys):04d}"
            made = self.expect(
                code,
                lambda: redemptions.redeem(
                    self.s, self.homes[h], lines, kiosk=self.kiosk, idempotency_key=key
                ),
            )
            if made is not None:
                assert made.total == total
                self.balance[h] -= total
                for p, q in basket.items():
                    self.on_hand[p] -= q
                self.receipts.append([made, h, basket, False])

        @precondition(lambda self: self.receipts)
        @rule(data=st.data())
        def void(self, data):
            entry = data.draw(st.sampled_from(self.receipts))
            made, h, basket, voided = entry
            code = "already_voided" if voided else None
            call = lambda: redemptions.void_redemption(self.s, made, reason="退货", actor="t")  # noqa: E731
            if self.expect(code, call) is not None:
                entry[3] = True
                self.balance[h] += made.total
                for p, q in basket.items():
                    self.on_hand[p] += q

        @rule(p=st.integers(0, 2), qty=st.integers(1, 20))
        def receive(self, p, qty):
            stock.receive_stock(self.s, self.goods[p], qty, actor="t", source="区财政预算")
            self.on_hand[p] += qty

        @rule(p=st.integers(0, 2), delta=st.integers(-10, 10).filter(bool))
        def adjust(self, p, delta):
            code = "out_of_stock" if self.on_hand[p] + delta < 0 else None

            def call():
                return stock.adjust_stock(self.s, self.goods[p], delta, actor="t", reason="盘点")

            if self.expect(code, call) is not None:
                self.on_hand[p] += delta

        @invariant()
        def shop_agrees_with_the_model(self):
            balances = [
                self.s.get(Household, h.id, populate_existing=True).balance for h in self.homes
            ]
            on_hand = [
                self.s.get(Product, p.id, populate_existing=True).on_hand for p in self.goods
            ]
            assert balances == self.balance
            assert on_hand == self.on_hand
            assert verify_ledger(self.s.connection(), self.village.id).problems == []

    return Shop


def test_the_shop_behaves_like_its_model(backend):
    machine = make_machine(backend.engine)
    run_state_machine_as_test(
        machine,
        settings=settings(
            max_examples=30 if backend.name == "sqlite" else 15,
            stateful_step_count=25,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )


pytestmark = pytest.mark.filterwarnings("error")
