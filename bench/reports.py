"""Reports benchmark: the back-office home's dashboard, every household's balance as XLSX, a
month's award list as XLSX, and the goods' FIFO walk, on a big village (the foundation scale is
20,000 households and 1,000,000 journal rows) with a few thousand deliveries and redemptions.

    .venv/bin/python bench/reports.py                        # full scale, SQLite
    .venv/bin/python bench/reports.py --scale 0.2 --engines sqlite postgresql

Prints first and median of three runs, in seconds, and the file sizes.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bulk import fresh_database, load_village
from sqlalchemy import select, text

from shop import clock, redemptions, reports, sheets, stock
from shop.db import make_engine, read_engine, session_factory, unit_of_work
from shop.models import Base, Household, Kiosk, Product, Village
from shop.stock import receiving


def timed(fn, repeat: int = 3):
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return times[0], statistics.median(times), result


def add_goods(engine, village_id: int, deliveries: int, sales: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    factory = session_factory(engine)
    with unit_of_work(factory) as s:
        village = s.get(Village, village_id)
        skus = []
        for i in range(12):
            sku = f"G{i:02d}"
            stock.create_product(s, village, sku, f"商品{i}", 5 + i, unit="件")
            skus.append(sku)
    kinds = ("budget", "partner", "donation")
    with unit_of_work(factory) as s:
        village = s.get(Village, village_id)
        for n in range(deliveries):
            kind = kinds[n % 3]
            receiving.receive_delivery(
                s,
                village,
                [(rng.choice(skus), rng.randint(20, 60)) for _ in range(3)],
                source_kind=kind,
                source_name="" if kind == "budget" else f"单位{n % 7}",
                value_yuan=rng.randint(200, 900),
                actor="bench",
            )
    with unit_of_work(factory) as s:
        kiosk = s.scalar(select(Kiosk).where(Kiosk.village_id == village_id).limit(1))
        homes = s.scalars(
            select(Household).where(Household.village_id == village_id, Household.balance > 40)
        ).all()
        made = 0
        for n in range(sales * 3):
            if made >= sales:
                break
            home = rng.choice(homes)
            sku = rng.choice(skus)
            try:
                with s.begin_nested():
                    redemptions.redeem(
                        s, home, {sku: 1}, kiosk=kiosk, idempotency_key=f"bench-r-{n:07d}"
                    )
                made += 1
            except Exception:  # out of stock, too few points: the next one
                continue


def run(name: str, args) -> dict:
    households = max(300, int(20_000 * args.scale))
    rows = max(1_000, int(1_000_000 * args.scale))
    with tempfile.TemporaryDirectory() as tmp:
        url, drop = fresh_database(name, Path(tmp), "reports.db")
        try:
            engine = make_engine(url)
            Base.metadata.create_all(engine)
            started = time.perf_counter()
            big = load_village(
                engine,
                households_n=households,
                journal_rows=rows,
                seed=1,
                progress=lambda m: print(f"[{name}] {m}"),
            )
            add_goods(engine, big.village_id, args.deliveries, args.sales)
            if name == "postgresql":
                with engine.begin() as conn:
                    conn.execute(text("ANALYZE"))
            print(f"[{name}] loaded in {time.perf_counter() - started:.0f} s")
            reader = session_factory(read_engine(engine))
            today = clock.today()
            out = {"engine": name, "households": households, "rows": big.journal_rows}

            def with_session(fn):
                def call():
                    with unit_of_work(reader) as s:
                        return fn(s, s.get(Village, big.village_id))

                return call

            out["dashboard"] = timed(with_session(lambda s, v: reports.dashboard(s, v)))
            out["goods_flow"] = timed(with_session(lambda s, v: reports.goods_flow(s, v.id)))
            out["balances_query"] = timed(
                with_session(lambda s, v: len(reports.balances_sheet(s, v).rows))
            )
            out["balances_xlsx"] = timed(
                with_session(lambda s, v: sheets.to_xlsx([reports.balances_sheet(s, v)]))
            )
            first = today.replace(day=1)
            out["awards_month_xlsx"] = timed(
                with_session(
                    lambda s, v: sheets.to_xlsx([reports.awards_sheet(s, v, first, today)])
                )
            )
            with unit_of_work(reader) as s:
                out["products"] = len(s.scalars(select(Product.id)).all())
            return out
        finally:
            engine.dispose()
            drop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--engines", nargs="+", default=["sqlite"])
    parser.add_argument("--deliveries", type=int, default=300)
    parser.add_argument("--sales", type=int, default=5000)
    args = parser.parse_args()
    for name in args.engines:
        out = run(name, args)
        print(
            f"[{name}] {out['households']:,} households, {out['rows']:,} journal rows, "
            f"{args.deliveries} deliveries, {args.sales} sales (first / median of 3, s):"
        )
        for key in (
            "dashboard",
            "goods_flow",
            "balances_query",
            "balances_xlsx",
            "awards_month_xlsx",
        ):
            first, med, result = out[key]
            size = f", {len(result) / 1024:.0f} KB" if isinstance(result, bytes) else ""
            print(f"  {key:<18} {first:6.2f} / {med:6.2f}{size}")


if __name__ == "__main__":
    main()
