"""Imports beside sales (issue 14, finding 12): a 12,000-row roster import runs while a kiosk
confirms a redemption every quarter second; prints how long each confirm waited and how long the
import took, on SQLite and PostgreSQL, imported in one transaction (as before) and in batches
(shop.db.apply_in_batches, as the back-office does now).

    .venv/bin/python bench/imports.py                      # both engines, both ways, 12,000 rows
    .venv/bin/python bench/imports.py --rows 3000 --engines sqlite --ways batches

The import and the confirms run in two threads of one process, as two requests do in waitress.
A confirm is shop.redemptions.redeem in its own unit of work (no page rendering): the time is the
wait for the write lock (SQLite) or the village's chain head (PostgreSQL) plus the redemption.
A confirm that waits past SQLite's 30 s busy timeout is counted as refused (database_busy).
Also printed: the opening-balance import of the same households, batched.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bulk import fresh_database  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from shop import households, points, redemptions, regions, schema, stock  # noqa: E402
from shop.db import make_engine, read_engine, session_factory, unit_of_work  # noqa: E402
from shop.errors import DomainError  # noqa: E402
from shop.households import roster_import  # noqa: E402
from shop.ledger.verify import verify_ledger  # noqa: E402
from shop.models import Household, Kiosk, Village  # noqa: E402

CONFIRM_EVERY_S = 0.25


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))] if values else 0


def _shop(engine) -> dict:
    with unit_of_work(session_factory(engine)) as s:
        village = regions.create_village(s, "V-BENCH", "导入村")
        kiosk = regions.create_kiosk(s, village, "KB1", "一号机")
        home = households.create_household(s, village, "99-001", "张三", actor="bench")
        points.award_points(s, home, delta=10_000, actor="bench", memo="opening")
        soap = stock.create_product(s, village, "FZ", "肥皂", 1, unit="块")
        stock.receive_stock(s, soap, 100_000, actor="bench")
        return {"village": village.id, "kiosk": kiosk.id, "home": home.id}


def _roster(n: int) -> list[dict]:
    return [
        {"户号": f"{i // 1000 + 1:02d}-{i % 1000 + 1:04d}", "户主": f"户主{i}", "村民小组": "一组"}
        for i in range(n)
    ]


def _confirm(writer, shop: dict, key: str) -> float:
    began = time.perf_counter()
    with unit_of_work(writer) as s:
        redemptions.redeem(
            s,
            s.get(Household, shop["home"]),
            {"FZ": 1},
            kiosk=s.get(Kiosk, shop["kiosk"]),
            idempotency_key=key,
        )
    return (time.perf_counter() - began) * 1000


def run(engine_name: str, way: str, rows: int, log) -> None:
    url, drop = fresh_database(engine_name, Path(tempfile.mkdtemp(prefix="imports-bench-")))
    engine = make_engine(url)
    try:
        schema.upgrade(engine)
        shop = _shop(engine)
        writer = session_factory(engine)
        reader = session_factory(read_engine(engine))
        quiet = [_confirm(writer, shop, f"quiet-{i:06d}") for i in range(20)]
        file = _roster(rows)
        done: dict = {}

        def run_import():
            began = time.perf_counter()
            if way == "batches":
                roster_import.import_roster(
                    lambda: unit_of_work(writer),
                    shop["village"],
                    file,
                    actor="bench",
                    read_unit=lambda: unit_of_work(reader),
                )
            else:
                with unit_of_work(writer) as s:
                    roster_import.apply_roster(
                        s, s.get(Village, shop["village"]), file, actor="bench"
                    )
            done["seconds"] = time.perf_counter() - began

        importer = threading.Thread(target=run_import)
        waits, refused, n = [], 0, 0
        importer.start()
        while importer.is_alive():
            n += 1
            try:
                waits.append(_confirm(writer, shop, f"busy-{n:06d}"))
            except DomainError as exc:
                refused += 1
                log(f"    confirm {n} refused: {exc.code}")
            time.sleep(CONFIRM_EVERY_S)
        importer.join()
        opening_s = float("nan")
        if way == "batches":  # the opening balances of the same households, as imported now
            opening = [{"户号": r["户号"], "期初积分": "10"} for r in file]
            began = time.perf_counter()
            points.import_opening(
                lambda: unit_of_work(writer),
                shop["village"],
                opening,
                source="bench",
                actor="bench",
                read_unit=lambda: unit_of_work(reader),
            )
            opening_s = time.perf_counter() - began
        with engine.connect() as conn:
            ok = verify_ledger(conn).ok
        with unit_of_work(writer) as s:
            homes = s.scalar(select(func.count(Household.id)))
        log(
            f"  {engine_name:10} {way:11} import {rows:,} rows {done['seconds']:6.1f} s | "
            f"confirms during it: n={len(waits) + refused} refused={refused} "
            f"p50 {pct(waits, 50):7.1f} ms p95 {pct(waits, 95):7.1f} ms "
            f"max {max(waits, default=0):7.1f} ms | quiet p50 {pct(quiet, 50):5.1f} ms | "
            f"opening import (batches) {opening_s:5.1f} s | households {homes:,} verify "
            f"{'OK' if ok else 'FAILED'}"
        )
    finally:
        engine.dispose()
        drop()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=12_000)
    ap.add_argument("--engines", nargs="+", default=["sqlite", "postgresql"])
    ap.add_argument("--ways", nargs="+", default=["one", "batches"], choices=["one", "batches"])
    args = ap.parse_args()
    load = os.getloadavg()
    print(f"imports bench: {args.rows:,} roster rows, a confirm every {CONFIRM_EVERY_S} s")
    print(f"  load average before: {load[0]:.2f} {load[1]:.2f}, cores {os.cpu_count()}")
    for engine_name in args.engines:
        for way in args.ways:
            run(engine_name, way, args.rows, lambda line: print(line, flush=True))


if __name__ == "__main__":
    main()
