"""Ledger benchmark: passbook lookup, redemption latency, 8-writer throughput and verify speed,
on SQLite and PostgreSQL, at a scale set by flags.

    .venv/bin/python bench/ledger.py                       # 20,000 households, 1,000,000 rows
    .venv/bin/python bench/ledger.py --households 2000 --journal-rows 50000 --engines sqlite

Targets on a 2-core machine: lookup p95 <= 5 ms, redemption p95 <= 20 ms, >= 300 redemptions/s
with 8 writers on PostgreSQL, verify >= 200,000 rows/s.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import random
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bulk import load_village
from sqlalchemy import create_engine, select, text

from shop.db import make_engine, read_engine, session_factory, unit_of_work
from shop.households import lookup_passbook, recent_entries
from shop.models import Base, Household, Kiosk
from shop.redemptions import redeem
from shop.verify import verify_ledger

PG_URL = os.environ.get("KIOSK_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def ms(values: list[float]) -> str:
    return f"p50 {pct(values, 50) * 1000:6.2f} ms   p95 {pct(values, 95) * 1000:6.2f} ms"


def lookup_timings(engine, codes: list[str], n: int, rng) -> list[float]:
    reader = session_factory(read_engine(engine))
    times = []
    for code in rng.sample(codes, min(n, len(codes))):
        t = time.perf_counter()
        with unit_of_work(reader) as s:
            scan = lookup_passbook(s, code)
            why = [
                (e.delta, e.rule.name if e.rule else "") for e in recent_entries(s, scan.household)
            ]
            assert scan.household.balance >= 0 and why
        times.append(time.perf_counter() - t)
    return times


def redeem_timings(engine, household_ids, kiosk_code, sku, n, rng, tag) -> list[float]:
    writer = session_factory(engine)
    with unit_of_work(writer) as s:
        kiosk_id = s.scalar(select(Kiosk.id).where(Kiosk.code == kiosk_code))
    times = []
    for i in range(n):
        hid = rng.choice(household_ids)
        t = time.perf_counter()
        with unit_of_work(writer) as s:
            redeem(
                s,
                s.get(Household, hid),
                {sku: 1},
                kiosk=s.get(Kiosk, kiosk_id),
                idempotency_key=f"bench-{tag}-{i}-{uuid.uuid4().hex[:8]}",
            )
        times.append(time.perf_counter() - t)
    return times


def _writer(url, household_ids, kiosk_code, sku, n, start, out, tag):
    engine = make_engine(url)
    start.wait()
    times = redeem_timings(engine, household_ids, kiosk_code, sku, n, random.Random(tag), f"w{tag}")
    out.put(times)
    engine.dispose()


def many_writers(url, village, writers: int, per_writer: int) -> tuple[float, list[float]]:
    ctx = mp.get_context("fork")
    start, out = ctx.Event(), ctx.Queue()
    chunk = len(village.household_ids) // writers
    procs = [
        ctx.Process(
            target=_writer,
            args=(
                url,
                village.household_ids[w * chunk : (w + 1) * chunk],
                village.kiosk_codes[w % len(village.kiosk_codes)],
                village.skus[w % len(village.skus)],
                per_writer,
                start,
                out,
                w,
            ),
        )
        for w in range(writers)
    ]
    for p in procs:
        p.start()
    time.sleep(1.0)  # let every process connect before the clock starts
    t = time.perf_counter()
    start.set()
    times = []
    for _ in procs:
        times.extend(out.get(timeout=600))
    elapsed = time.perf_counter() - t
    for p in procs:
        p.join()
    return writers * per_writer / elapsed, times


def fresh_database(name: str, tmp: Path):
    if name == "sqlite":
        url = f"sqlite:///{tmp / 'bench.db'}"
        return url, lambda: None
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))

    def drop():
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()

    return f"{PG_URL}?options=-csearch_path%3D{schema}", drop


def run(name: str, args) -> dict:
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        url, drop = fresh_database(name, Path(tmp))
        try:
            engine = make_engine(url)
            Base.metadata.create_all(engine)
            print(
                f"[{name}] loading {args.households:,} households, "
                f"{args.journal_rows:,} journal rows ..."
            )
            village = load_village(
                engine,
                households_n=args.households,
                journal_rows=args.journal_rows,
                kiosks=args.writers,
                seed=args.seed,
                progress=print,
            )
            print(f"[{name}] loaded in {village.seconds:.1f} s")
            lookups = lookup_timings(engine, village.codes, args.lookups, rng)
            single = redeem_timings(
                engine,
                village.household_ids,
                village.kiosk_codes[0],
                village.skus[0],
                args.redemptions,
                rng,
                "single",
            )
            engine.dispose()
            rps, multi = many_writers(url, village, args.writers, args.per_writer)
            engine = make_engine(url)
            with engine.connect() as conn:
                report = verify_ledger(conn)
            assert report.ok, report.first_problem
            engine.dispose()
            result = {
                "engine": name,
                "lookup": lookups,
                "redeem": single,
                "rps": rps,
                "multi": multi,
                "verify_rows": report.rows,
                "verify_rps": report.rows_per_second,
            }
        finally:
            drop()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--households", type=int, default=20_000)
    parser.add_argument("--journal-rows", type=int, default=1_000_000)
    parser.add_argument("--engines", default="sqlite,postgres")
    parser.add_argument("--lookups", type=int, default=2000)
    parser.add_argument("--redemptions", type=int, default=1000)
    parser.add_argument("--writers", type=int, default=8)
    parser.add_argument("--per-writer", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    results = [run(name, args) for name in args.engines.split(",")]
    print()
    print(
        f"scale: {args.households:,} households, {args.journal_rows:,} journal rows; "
        f"{os.cpu_count()} cores"
    )
    for r in results:
        print(f"{r['engine']:>9}  passbook lookup      {ms(r['lookup'])}   (target p95 <= 5 ms)")
        print(f"{'':>9}  redemption, 1 writer {ms(r['redeem'])}   (target p95 <= 20 ms)")
        print(
            f"{'':>9}  redemption, {args.writers} writers {r['rps']:7.0f} /s  ({ms(r['multi'])})"
            f"   (target >= 300/s on PostgreSQL)"
        )
        print(
            f"{'':>9}  verify               {r['verify_rps']:9,.0f} rows/s "
            f"over {r['verify_rows']:,} rows"
            f"   (target >= 200,000)"
        )


if __name__ == "__main__":
    main()
