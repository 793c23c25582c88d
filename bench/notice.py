"""Transparency benchmark: the monthly notice of a 300-household village and the annual ranking
of a big one (20,000 households, 1,000,000 journal rows: the foundation benchmark's scale), on
SQLite and PostgreSQL. Also the notice of the big village's busiest month, per-group rankings,
the supervisor's first journal page, the notice PDF, and export + standalone verification.

    .venv/bin/python bench/notice.py                          # full scale, both engines
    .venv/bin/python bench/notice.py --scale 0.05 --engines sqlite

Targets: notice <= 1 s, ranking <= 1 s.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import subprocess
import sys
import tempfile
import time
import zoneinfo
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bulk import fresh_database, load_village
from sqlalchemy import select, text

from shop import points
from shop.db import make_engine, read_engine, session_factory, unit_of_work
from shop.ledger.export import export_ledger
from shop.models import Base, Household, Journal, Rule, RuleCategory
from shop.transparency import (
    annual_ranking,
    browse_journal,
    group_rankings,
    monthly_notice,
    refresh_ranking_totals,
)

ROOT = Path(__file__).resolve().parent.parent
TZ = zoneinfo.ZoneInfo("Asia/Shanghai")
FONT = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"
TOOL = ROOT / "tools" / "verify_ledger.py"


def timed(fn, repeat: int = 3):
    """(first run seconds, median seconds, result)."""
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return times[0], statistics.median(times), result


def small_village_month(engine, households_n: int, year: int, month: int, seed: int) -> int:
    """A village of `households_n` with a believable month: 1-6 awards per household and a few
    deductions, written through award_points. Returns the village id."""
    small = load_village(
        engine, households_n=households_n, journal_rows=1, seed=seed, progress=lambda _: None
    )
    rng = random.Random(seed)
    with unit_of_work(session_factory(engine)) as s:
        cat = RuleCategory(village_id=small.village_id, code="filial", name="积孝")
        s.add(cat)
        s.flush()
        rules = [
            Rule(category_id=cat.id, name=name, points=pts)
            for name, pts in (("赡养照顾老人", 10), ("参加志愿服务一次", 5), ("乱倒垃圾", -5))
        ]
        s.add_all(rules)
        s.flush()
        homes = list(s.scalars(select(Household).where(Household.village_id == small.village_id)))
        for n, home in enumerate(homes):
            for k in range(rng.randint(1, 6)):
                at = dt.datetime(year, month, rng.randint(1, 28), 9, tzinfo=TZ)
                points.award_points(
                    s, home, rule=rules[k % 2], actor="panel:bench", at=at + dt.timedelta(minutes=n)
                )
            if rng.random() < 0.1:
                at = dt.datetime(year, month, 28, 15, tzinfo=TZ)
                points.award_points(s, home, rule=rules[2], actor="panel:bench", at=at)
    return small.village_id


def busiest(engine, village_id: int, fmt) -> tuple:
    with engine.connect() as conn:
        stamps = conn.execute(
            select(Journal.created_at).where(Journal.village_id == village_id)
        ).scalars()
        counts = Counter(fmt(s.astimezone(TZ)) for s in stamps)
    return counts.most_common(1)[0]


def run(name: str, args) -> dict:
    households = max(300, int(20_000 * args.scale))
    rows = max(1_000, int(1_000_000 * args.scale))
    with tempfile.TemporaryDirectory() as tmp:
        url, drop = fresh_database(name, Path(tmp), "notice.db")
        try:
            engine = make_engine(url)
            Base.metadata.create_all(engine)
            started = time.perf_counter()
            print(f"[{name}] loading {households:,} households, {rows:,} journal rows")
            big = load_village(
                engine,
                households_n=households,
                journal_rows=rows,
                seed=1,
                progress=lambda m: print(f"[{name}] {m}"),
            )
            today = dt.datetime.now(TZ).date()
            last_month = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
            small_id = small_village_month(engine, 300, last_month.year, last_month.month, 2)
            if name == "postgresql":
                with engine.begin() as conn:
                    conn.execute(text("ANALYZE"))
            print(f"[{name}] loaded in {time.perf_counter() - started:.0f} s")
            reader = session_factory(read_engine(engine))
            out: dict = {"engine": name, "households": households, "rows": big.journal_rows}

            def in_session(fn):
                def call():
                    with unit_of_work(reader) as s:
                        return fn(s)

                return call

            first, med, notice = timed(
                in_session(
                    lambda s: monthly_notice(s, small_id, last_month.year, last_month.month, TZ)
                )
            )
            out["notice300"] = (first, med, len(notice.households), notice.awarded)
            (y, m), n_rows = busiest(engine, big.village_id, lambda t: (t.year, t.month))
            first, med, notice_big = timed(
                in_session(lambda s: monthly_notice(s, big.village_id, y, m, TZ))
            )
            out["notice_big"] = (first, med, f"{y}-{m:02d}", n_rows)
            year, year_rows = busiest(engine, big.village_id, lambda t: t.year)
            first, _, _ = timed(
                in_session(lambda s: annual_ranking(s, big.village_id, year, TZ, use_totals=False)),
                repeat=1,
            )
            out["ranking_journal"] = first
            started = time.perf_counter()
            with unit_of_work(session_factory(engine)) as s:
                added = refresh_ranking_totals(s, big.village_id, TZ)
            out["refresh"] = (time.perf_counter() - started, added)
            first, med, ranking = timed(
                in_session(lambda s: annual_ranking(s, big.village_id, year, TZ))
            )
            out["ranking"] = (first, med, year, year_rows, len(ranking.rows), ranking.rows[0])
            # A day's work after the refresh (2,000 awards) is added live by the ranking.
            with unit_of_work(session_factory(engine)) as s:
                rule = s.scalar(select(Rule).where(Rule.points > 0).limit(1))
                homes = s.scalars(
                    select(Household).where(Household.village_id == big.village_id).limit(2000)
                ).all()
                for home in homes:
                    points.award_points(s, home, rule=rule, actor="panel:bench")
            first, med, _ = timed(
                in_session(lambda s: annual_ranking(s, big.village_id, today.year, TZ))
            )
            out["ranking_stale"] = (first, med, len(homes))
            started = time.perf_counter()
            with unit_of_work(session_factory(engine)) as s:
                refresh_ranking_totals(s, big.village_id, TZ)
            out["refresh_day"] = time.perf_counter() - started
            first, med, groups = timed(
                in_session(lambda s: group_rankings(s, big.village_id, year, TZ))
            )
            out["groups"] = (first, med, len(groups))
            some = big.household_ids[len(big.household_ids) // 2]
            first, med, page = timed(
                in_session(lambda s: browse_journal(s, big.village_id, household=some, limit=50))
            )
            out["browse"] = (first, med, len(page.rows))
            first, med, _ = timed(
                in_session(
                    lambda s: browse_journal(s, big.village_id, kind="award", limit=50, offset=0)
                )
            )
            out["browse_all"] = (first, med)
            if Path(FONT).exists():
                from shop.transparency.pdf import notice_pdf

                first, med, pdf = timed(lambda: notice_pdf(notice, FONT), repeat=2)
                out["pdf"] = (first, med, len(pdf))
            if not args.skip_export:
                path = Path(tmp) / "ledger.jsonl"
                started = time.perf_counter()
                with read_engine(engine).connect() as conn, open(path, "w") as f:
                    exported = export_ledger(conn, f, big.village_id)
                export_s = time.perf_counter() - started
                started = time.perf_counter()
                done = subprocess.run(
                    [sys.executable, "-S", "-I", str(TOOL), str(path)],
                    capture_output=True,
                    text=True,
                )
                verify_s = time.perf_counter() - started
                out["export"] = (
                    exported,
                    export_s,
                    verify_s,
                    path.stat().st_size,
                    done.returncode,
                )
            engine.dispose()
            return out
        finally:
            if drop:
                drop()


def report(r: dict) -> None:
    def ok(seconds: float) -> str:
        return "OK" if seconds <= 1.0 else "MISSED"

    print(f"\n== {r['engine']}: {r['households']:,} households, {r['rows']:,} journal rows ==")
    first, med, n, awarded = r["notice300"]
    print(
        f"monthly notice, 300 households:        first {first * 1000:7.1f} ms, "
        f"median {med * 1000:7.1f} ms  ({n} households, {awarded} points awarded)  "
        f"target <= 1 s: {ok(med)}"
    )
    first, med, month, n_rows = r["notice_big"]
    print(
        f"monthly notice, big village {month}:  first {first * 1000:7.1f} ms, "
        f"median {med * 1000:7.1f} ms  ({n_rows:,} rows in the month)"
    )
    first, med, year, year_rows, n, top = r["ranking"]
    print(
        f"annual ranking {year}:                  first {first * 1000:7.1f} ms, "
        f"median {med * 1000:7.1f} ms  ({year_rows:,} rows in the year, {n:,} households, "
        f"first: {top.number} {top.points} points)  target <= 1 s: {ok(med)}"
    )
    print(
        f"annual ranking from the journal alone:  {r['ranking_journal'] * 1000:7.1f} ms (no cache)"
    )
    seconds, added = r["refresh"]
    print(f"ranking totals cache, first build:     {seconds:7.1f} s  ({added:,} postings)")
    first, med, n = r["ranking_stale"]
    print(
        f"annual ranking, cache + {n:,} live rows: first {first * 1000:7.1f} ms, "
        f"median {med * 1000:7.1f} ms  (this year)"
    )
    print(f"ranking totals refresh after a day:    {r['refresh_day'] * 1000:7.1f} ms")
    first, med, groups = r["groups"]
    print(
        f"per-group rankings ({groups} groups):       first {first * 1000:7.1f} ms, "
        f"median {med * 1000:7.1f} ms"
    )
    first, med, n = r["browse"]
    print(
        f"journal browser, one household:         first {first * 1000:7.1f} ms, "
        f"median {med * 1000:7.1f} ms"
    )
    first, med = r["browse_all"]
    print(
        f"journal browser, kind=award page 1:     first {first * 1000:7.1f} ms, "
        f"median {med * 1000:7.1f} ms"
    )
    if "pdf" in r:
        first, med, size = r["pdf"]
        print(
            f"notice PDF, 300 households:             first {first * 1000:7.1f} ms, "
            f"median {med * 1000:7.1f} ms  ({size / 1024:.0f} KiB)"
        )
    if "export" in r:
        rows, export_s, verify_s, size, code = r["export"]
        print(
            f"export {rows:,} rows: {export_s:.1f} s ({rows / export_s:,.0f} rows/s, "
            f"{size / 1e6:.0f} MB); standalone verifier: {verify_s:.1f} s "
            f"({rows / verify_s:,.0f} rows/s), exit {code}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="1.0 = 20,000 households, 1M rows")
    parser.add_argument("--engines", default="sqlite,postgres")
    parser.add_argument("--skip-export", action="store_true")
    args = parser.parse_args()
    results = []
    for name in args.engines.split(","):
        name = "postgresql" if name.startswith("postgres") else name
        results.append(run(name, args))
    for r in results:
        report(r)


if __name__ == "__main__":
    main()
