"""Day close (日结) benchmark: one kiosk-day of receipts, closed, re-closed and exported.

    .venv/bin/python bench/close.py                         # 500 receipts, small village
    .venv/bin/python bench/close.py --scale foundation      # the ledger benchmark's village
    .venv/bin/python bench/close.py --engines sqlite --receipts 2000

The village is loaded with bench/bulk.py (households with points earned over a year), then the
day's receipts are made through the real redemption service, spread over today in Shanghai time
and the days before, with a few voids and reprints. Target: a close over 500 receipts <= 500 ms.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bulk import fresh_database, load_village
from sqlalchemy import select

from shop import clock, redemptions
from shop.db import make_engine, session_factory, unit_of_work
from shop.errors import DomainError
from shop.ledger.verify import verify_ledger
from shop.models import Base, Household, Kiosk, PrintJob, utcnow
from shop.redemptions import dayclose
from shop.redemptions.limits import local_date
from shop.stock.reports import day_close_csv, day_close_xlsx
from shop.stock.slips import DayCloseSlip, day_close_pdf

SCALES = {
    "small": {"households": 2_000, "journal_rows": 20_000},
    "foundation": {"households": 20_000, "journal_rows": 1_000_000},  # = bench/ledger.py's
}


def ms(seconds: float) -> str:
    return f"{seconds * 1000:7.1f} ms"


def make_receipts(engine, village, kiosk_code, day, n, rng, *, before_now):
    """n receipts through redeem(), spread over `day` (up to `before_now`), 2-3 lines each."""
    factory = session_factory(engine)
    start = dt.datetime.combine(day, dt.time(0), clock.zone())
    end = min(start + dt.timedelta(days=1), before_now)
    span = (end - start).total_seconds()
    moments = sorted(start + dt.timedelta(seconds=rng.uniform(0, span)) for _ in range(n))
    made = []
    with unit_of_work(factory) as s:
        kiosk = s.scalar(select(Kiosk).where(Kiosk.code == kiosk_code))
        rich = list(
            s.scalars(
                select(Household.id)
                .where(Household.village_id == village.village_id, Household.balance >= 60)
                .limit(5000)
            )
        )
    t0 = time.perf_counter()
    for i, at in enumerate(moments):
        for attempt in range(20):  # a household that has spent its points: try another
            try:
                with unit_of_work(factory) as s:
                    basket = {sku: rng.randint(1, 2) for sku in rng.sample(village.skus[:6], 2)}
                    receipt = redemptions.redeem(
                        s,
                        s.get(Household, rng.choice(rich)),
                        basket,
                        kiosk=s.get(Kiosk, kiosk.id),
                        idempotency_key=f"bench-{kiosk_code}-{day:%Y%m%d}-{i:05d}-{attempt}",
                        at=at,
                    )
                    made.append(receipt.receipt_no)
                break
            except DomainError as exc:
                if exc.code != "insufficient_points":
                    raise
    return made, time.perf_counter() - t0


def run(name: str, args) -> None:
    rng = random.Random(args.seed)
    scale = SCALES[args.scale]
    with tempfile.TemporaryDirectory() as tmp:
        url, drop = fresh_database(name, Path(tmp))
        try:
            engine = make_engine(url)
            Base.metadata.create_all(engine)
            print(
                f"[{name}] loading {scale['households']:,} households, "
                f"{scale['journal_rows']:,} journal rows ..."
            )
            village = load_village(
                engine,
                households_n=scale["households"],
                journal_rows=scale["journal_rows"],
                kiosks=2,
                seed=args.seed,
                progress=lambda msg: None,
            )
            print(f"[{name}] loaded in {village.seconds:.1f} s")
            kiosk_code = village.kiosk_codes[0]
            now = utcnow()
            today = local_date(now)
            for back in range(args.days_before, 0, -1):
                made, secs = make_receipts(
                    engine,
                    village,
                    kiosk_code,
                    today - dt.timedelta(days=back),
                    args.receipts,
                    rng,
                    before_now=now,
                )
            made, secs = make_receipts(
                engine,
                village,
                kiosk_code,
                today,
                args.receipts,
                rng,
                before_now=now - dt.timedelta(seconds=5),
            )
            print(
                f"[{name}] {args.receipts} receipts a day for {args.days_before + 1} days; "
                f"today's made in {secs:.1f} s ({secs / args.receipts * 1000:.1f} ms each)"
            )
            factory = session_factory(engine)
            with unit_of_work(factory) as s:
                for receipt_no in rng.sample(made, min(10, len(made))):
                    redemptions.void_redemption(
                        s, redemptions.get_redemption(s, receipt_no), reason="bench", actor="b"
                    )
                for receipt_no in rng.sample(made, min(20, len(made))):
                    r = redemptions.get_redemption(s, receipt_no)
                    s.add(PrintJob(redemption_id=r.id, kind="reprint", state="printed"))
                    r.print_state = "printed"

            timings = []
            for _ in range(args.repeat):
                with unit_of_work(factory) as s:
                    kiosk = s.scalar(select(Kiosk).where(Kiosk.code == kiosk_code))
                    t0 = time.perf_counter()
                    report = dayclose.day_report(s, kiosk, today, clerk="bench")
                    timings.append(time.perf_counter() - t0)
            with unit_of_work(factory) as s:
                kiosk = s.scalar(select(Kiosk).where(Kiosk.code == kiosk_code))
                t0 = time.perf_counter()
                close = dayclose.close_day(s, kiosk, today, actor="bench", clerk="bench")
                t_close = time.perf_counter() - t0
                report = dayclose.report_of(close)
            t0 = time.perf_counter()
            with unit_of_work(factory) as s:
                kiosk = s.scalar(select(Kiosk).where(Kiosk.code == kiosk_code))
                again = dayclose.close_day(s, kiosk, today, actor="bench")
            t_again = time.perf_counter() - t0
            assert again.report_json == close.report_json

            t0 = time.perf_counter()
            slip = DayCloseSlip(report).layout(32)
            t_slip = time.perf_counter() - t0
            t0 = time.perf_counter()
            day_close_csv(report)
            t_csv = time.perf_counter() - t0
            t0 = time.perf_counter()
            day_close_xlsx(report)
            t_xlsx = time.perf_counter() - t0
            t0 = time.perf_counter()
            day_close_pdf(report)
            t_pdf = time.perf_counter() - t0
            rc = report["receipts"]
            print(
                f"[{name}] report: {rc['issued']} receipts {rc['first']}..{rc['last']}, "
                f"{len(report['voids'])} voids, {rc['reprinted']} reprints, "
                f"{len(rc['never_printed'])} never printed, gaps {rc['missing']}, "
                f"{len(report['goods'])} goods, {len(slip.rows)} slip rows"
            )
            print(
                f"[{name}] day_report  median {ms(statistics.median(timings))}  "
                f"max {ms(max(timings))}  ({args.repeat} runs)"
            )
            print(f"[{name}] close_day   first  {ms(t_close)}   re-run {ms(t_again)}")
            print(
                f"[{name}] exports     slip {ms(t_slip)}  csv {ms(t_csv)}  "
                f"xlsx {ms(t_xlsx)}  pdf {ms(t_pdf)}"
            )
            with engine.connect() as conn:
                verified = verify_ledger(conn)
            assert verified.ok, verified.first_problem
            print(f"[{name}] verify: {verified.rows:,} rows OK in {verified.seconds:.1f} s")
            engine.dispose()
        finally:
            drop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=sorted(SCALES), default="small")
    parser.add_argument("--receipts", type=int, default=500, help="receipts per day")
    parser.add_argument("--days-before", type=int, default=2)
    parser.add_argument("--engines", default="sqlite,postgres")
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    for name in args.engines.split(","):
        run(name.strip(), args)


if __name__ == "__main__":
    main()
