"""Building blocks for tests that need committed data and several processes."""

from __future__ import annotations

import collections
import multiprocessing as mp
from dataclasses import dataclass

from sqlalchemy import text

from shop import households, points, regions, stock
from shop.db import make_engine, session_factory, unit_of_work
from shop.errors import DomainError
from shop.models import Household, Kiosk
from shop.redemptions import redeem

FORK = mp.get_context("fork")


@dataclass(frozen=True)
class Shop:
    url: str
    village_id: int
    household_id: int
    kiosk_id: int
    sku: str


def committed_shop(url: str, *, balance: int, price: int, on_hand: int) -> Shop:
    """A village with one household, one product and one kiosk, committed for other processes."""
    engine = make_engine(url)
    with unit_of_work(session_factory(engine)) as s:
        village = regions.create_village(s, "V-MP", "多进程村")
        kiosk = regions.create_kiosk(s, village, "KMP", "测试机")
        household = households.create_household(s, village, "01-001", "王秀英", actor="test")
        points.award_points(s, household, delta=balance, actor="test")
        product = stock.create_product(s, village, "SOAP", "肥皂", price, unit="块")
        stock.receive_stock(s, product, on_hand, actor="test")
        made = Shop(url, village.id, household.id, kiosk.id, product.sku)
    engine.dispose()
    return made


def redeem_many(shop: Shop, keys: list[str], start, results) -> None:
    """Child process: one redemption of one item per key, each in its own transaction."""
    engine = make_engine(shop.url)
    factory = session_factory(engine)
    outcome: collections.Counter = collections.Counter()
    if start is not None:
        start.wait()
    for key in keys:
        try:
            with unit_of_work(factory) as s:
                redeem(
                    s,
                    s.get(Household, shop.household_id),
                    {shop.sku: 1},
                    kiosk=s.get(Kiosk, shop.kiosk_id),
                    idempotency_key=key,
                )
            outcome["ok"] += 1
        except DomainError as exc:
            outcome[exc.code] += 1
        except Exception as exc:
            outcome[f"{type(exc).__name__}: {str(exc).splitlines()[0][:120]}"] += 1
    engine.dispose()
    if results is not None:
        results.put(dict(outcome))


def run_processes(shop: Shop, key_lists: list[list[str]]) -> collections.Counter:
    start = FORK.Event()
    results = FORK.Queue()
    procs = [
        FORK.Process(target=redeem_many, args=(shop, keys, start, results)) for keys in key_lists
    ]
    for p in procs:
        p.start()
    start.set()
    total: collections.Counter = collections.Counter()
    for _ in procs:
        total.update(results.get(timeout=240))
    for p in procs:
        p.join(timeout=30)
    return total


def seq_id(conn, seq: int) -> int:
    return conn.execute(text("SELECT id FROM journal WHERE seq = :s"), {"s": seq}).scalar_one()


def tamper(backend, *statements):
    with backend.engine.begin() as conn:
        for sql, params in statements:
            conn.execute(text(sql), params)


def delete_journal_row(backend, seq: int) -> None:
    """Remove a journal row and its postings behind the app, as someone with the file could."""
    with backend.engine.connect() as conn:
        jid = seq_id(conn, seq)
    tamper(
        backend,
        ("DELETE FROM points_entries WHERE journal_id = :j", {"j": jid}),
        ("DELETE FROM stock_moves WHERE journal_id = :j", {"j": jid}),
        ("DELETE FROM journal WHERE id = :j", {"j": jid}),
    )


def deduct_or_redeem(shop: Shop, work: list[tuple[str, str]], start, results) -> None:
    """Child process: ("deduct", key) takes 3 points at any balance; ("redeem", key) buys one
    item, each in its own transaction."""
    engine = make_engine(shop.url)
    factory = session_factory(engine)
    outcome: collections.Counter = collections.Counter()
    start.wait()
    for kind, key in work:
        try:
            with unit_of_work(factory) as s:
                household = s.get(Household, shop.household_id)
                if kind == "deduct":
                    points.award_points(s, household, delta=-3, actor="t", idempotency_key=key)
                else:
                    redeem(
                        s,
                        household,
                        {shop.sku: 1},
                        kiosk=s.get(Kiosk, shop.kiosk_id),
                        idempotency_key=key,
                    )
            outcome[f"{kind}:ok"] += 1
        except DomainError as exc:
            outcome[f"{kind}:{exc.code}"] += 1
        except Exception as exc:
            outcome[f"{type(exc).__name__}: {str(exc).splitlines()[0][:120]}"] += 1
    engine.dispose()
    results.put(dict(outcome))


def run_mixed(shop: Shop, work_lists: list[list[tuple[str, str]]]) -> collections.Counter:
    start = FORK.Event()
    results = FORK.Queue()
    procs = [
        FORK.Process(target=deduct_or_redeem, args=(shop, work, start, results))
        for work in work_lists
    ]
    for p in procs:
        p.start()
    start.set()
    total: collections.Counter = collections.Counter()
    for _ in procs:
        total.update(results.get(timeout=240))
    for p in procs:
        p.join(timeout=30)
    return total
