"""District benchmark (issue 16): a district of 300 villages in 15 townships, 150,000 households
and 10,000,000 journal rows (awards and deductions over 24 months, hash-chained as the services
write them), bulk-loaded on PostgreSQL with COPY, and a few real redemptions per village through
the services. Then, through the app (Flask's test client, signed in as a district viewer, a
township viewer and a township viewer looking at one village), timed page by page:

- the district page, a township page and a village's home (its dashboard);
- the district ranking; the month's villages table as XLSX;
- `kiosk verify` for one village and for the whole district (rows/s);
- the district's catalogue of rules: the district holds one of Nankang's size (6 categories,
  97 items) before the villages are opened, each village taking it as at 开通乡村; timed,
  p50 of --catalogue-runs runs: publishing one new item to every village and one change of its
  points (each one transaction with a journal row in every village's chain, as on the page).

    .venv/bin/python bench/district.py                 # full scale (10M journal rows)
    .venv/bin/python bench/district.py --scale 0.1     # 30 villages' worth of rows: 1M rows
    .venv/bin/python bench/district.py --villages 300 --scale 0.1

`--scale` multiplies households and journal rows (the number of villages stays, unless given);
`--rows N` sets the journal rows alone (the pages' cost follows the villages and households, the
fold's and verify's the rows).
Prints p50/p95 over --repeat requests after one warm-up, and the load time.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bulk import _copy_or_insert, fresh_database
from sqlalchemy import text

from shop import clock, ledger, redemptions, regions, schema, staff, stock
from shop.db import make_engine, session_factory, unit_of_work
from shop.households import codes
from shop.ledger.verify import snapshot, verify_ledger
from shop.models import (
    DistrictRuleCategory,
    Household,
    Journal,
    Passbook,
    PointsEntry,
    Rule,
    RuleCategory,
)
from shop.points import district_catalog
from shop.regions import fold

PASSWORD = "bench-pass-1"
BATCH = 50_000
# Nankang's catalogue: 6 categories, 97 items (positive and negative), as in the field reports.
CATEGORIES = (
    ("filial", "积孝", 17),
    ("kindness", "积善", 16),
    ("honesty", "积信", 16),
    ("diligence", "积勤", 16),
    ("thrift", "积俭", 16),
    ("clean", "积美", 16),
)


def _district_catalogue(s, district) -> int:
    """The district's catalogue of Nankang's size; returns its items."""
    items = 0
    for code, name, count in CATEGORIES:
        cat = district_catalog.add_district_category(s, district, code, name, actor="bench")
        for i in range(count):
            points = (2, 3, 5, 10)[i % 4] if i % 5 else -(3 + i % 3)
            low, high = (max(1, points - 2), points + 2) if points > 0 else (points - 2, -1)
            district_catalog.add_district_rule(
                s, cat, f"{name}项目{i + 1}", points, low, high, actor="bench"
            )
            items += 1
    return items


def _load(engine, villages: int, townships: int, homes: int, rows: int, seed: int, say) -> dict:
    rng = random.Random(seed)
    factory = session_factory(engine)
    per_village_homes = max(1, homes // villages)
    per_village_rows = max(1, rows // villages)
    made: list[dict] = []
    with unit_of_work(factory) as s:
        district = regions.create_district(s, "BD", "基准区")
        items = _district_catalogue(s, district)
        towns = [
            regions.create_township(s, district, f"BT{t:02d}", f"基准镇{t}")
            for t in range(townships)
        ]
        for v in range(villages):
            village = regions.create_village(
                s, f"BV{v:03d}", f"基准村{v}", region=towns[v % townships]
            )
            kiosk = regions.create_kiosk(s, village, f"BK{v:03d}", f"基准村{v}1号机")
            district_catalog.take_district_rules(s, village, actor="bench")
            # The journal's awards use the village's own items (本村).
            cat = RuleCategory(village_id=village.id, code="local", name="本村")
            s.add(cat)
            s.flush()
            rules = [
                Rule(category_id=cat.id, name=f"项目{i}", points=p)
                for i, p in enumerate((3, 5, 10, 20, -5))
            ]
            s.add_all(rules)
            s.flush()
            for i in range(2):
                product = stock.create_product(s, village, f"B{i}", f"商品{i}", 5 + i, unit="个")
                stock.receive_stock(s, product, 1_000, actor="bench", source="区财政预算")
            made.append(
                {
                    "id": village.id,
                    "kiosk": kiosk.code,
                    "rules": [(r.id, r.points) for r in rules],
                    "head": ledger.head(s, village.id),
                }
            )
        staff.create_staff(s, "bench-district", "district_viewer", PASSWORD, district=district)
        staff.create_staff(s, "bench-town", "township_viewer", PASSWORD, township=towns[0])
    say(f"  {villages} villages in {townships} townships opened, each taking {items} items")

    with engine.begin() as conn:
        first_hid = conn.execute(text("SELECT coalesce(max(id), 0) FROM households")).scalar_one()
        first_pb = conn.execute(text("SELECT coalesce(max(id), 0) FROM passbooks")).scalar_one()
    now = dt.datetime.now(dt.UTC)
    hid = first_hid
    pbid = first_pb
    with engine.begin() as conn:
        hrows, prows = [], []
        for village in made:
            village["homes"] = []
            for i in range(per_village_homes):
                hid += 1
                pbid += 1
                number = f"{i // 100 + 1:02d}-{i % 100 + 1:03d}"
                hrows.append(
                    (
                        hid,
                        village["id"],
                        number,
                        f"户主{hid}",
                        f"第{i // 100 + 1}组",
                        3,
                        "active",
                        0,
                        0,
                        False,
                        now,
                    )
                )
                prows.append(
                    (
                        pbid,
                        village["id"],
                        hid,
                        i + 1,
                        codes.code_hash(codes.new_code()),
                        "active",
                        now,
                    )
                )
                village["homes"].append((hid, number))
        cols = [
            "id",
            "village_id",
            "number",
            "head_name",
            "group_name",
            "members",
            "status",
            "balance",
            "pin_failures",
            "is_pin_locked",
            "created_at",
        ]
        _copy_or_insert(engine, conn, Household.__table__, cols, hrows)
        _copy_or_insert(
            engine,
            conn,
            Passbook.__table__,
            ["id", "village_id", "household_id", "serial", "code_hash", "status", "issued_at"],
            prows,
        )
    say(f"  {hid - first_hid:,} households and passbooks loaded")

    span = dt.timedelta(days=730)
    start = now - span
    with engine.begin() as conn:
        jid = conn.execute(text("SELECT coalesce(max(id), 0) FROM journal")).scalar_one()
        pid = conn.execute(text("SELECT coalesce(max(id), 0) FROM points_entries")).scalar_one()
    jcols = [
        "id",
        "village_id",
        "seq",
        "kind",
        "created_at",
        "actor",
        "ref",
        "memo",
        "prev_hash",
        "hash",
    ]
    pcols = ["id", "journal_id", "household_id", "delta", "balance_after", "rule_id"]
    jrows: list[tuple] = []
    erows: list[tuple] = []
    loaded = 0
    balances: dict[int, int] = {}

    def flush():
        nonlocal jrows, erows
        with engine.begin() as conn:
            _copy_or_insert(engine, conn, Journal.__table__, jcols, jrows)
            _copy_or_insert(engine, conn, PointsEntry.__table__, pcols, erows)
        jrows, erows = [], []

    step = span / per_village_rows
    for village in made:
        vid = village["id"]
        seq, head_hash = village["head"]
        homes = village["homes"]
        rules = village["rules"]
        for n in range(per_village_rows):
            seq += 1
            jid += 1
            pid += 1
            h, number = homes[rng.randrange(len(homes))]
            rule_id, pts = rules[0 if rng.random() < 0.05 else rng.randrange(5)]
            if pts < 0 and rng.random() < 0.5:
                rule_id, pts = rules[1]
            kind = "award" if pts > 0 else "deduction"
            balance = balances.get(h, 0) + pts
            balances[h] = balance
            at = start + step * n
            ref = f"household:{number}"
            payload = ledger.canonical(
                vid, seq, kind, ledger.format_ts(at), "bench", ref, "", [(h, pts, balance, rule_id)]
            )
            new_hash = ledger.chain_hash(head_hash, payload)
            jrows.append((jid, vid, seq, kind, at, "bench", ref, "", head_hash, new_hash))
            erows.append((pid, jid, h, pts, balance, rule_id))
            head_hash = new_hash
            if len(jrows) >= BATCH:
                loaded += len(jrows)
                flush()
                if loaded % 1_000_000 < BATCH:
                    say(f"  {loaded:,} journal rows loaded")
        village["head"] = (seq, head_hash)
    loaded += len(jrows)
    flush()
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE households SET balance = :b WHERE id = :h"),
            [{"b": b, "h": h} for h, b in balances.items()],
        )
        conn.execute(
            text("UPDATE ledger_heads SET seq = :s, head_hash = :h WHERE village_id = :v"),
            [{"s": v["head"][0], "h": v["head"][1], "v": v["id"]} for v in made],
        )
        for table in ("households", "passbooks", "journal", "points_entries"):
            conn.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT max(id) FROM {table}))"
                )
            )
        conn.execute(text("ANALYZE"))
    say(f"  {loaded:,} journal rows loaded")
    # A few real redemptions per village this month, through the services.
    with unit_of_work(factory) as s:
        for village in made:
            kiosk = regions.get_kiosk(s, village["kiosk"])
            for h, _number in village["homes"][:3]:
                household = s.get(Household, h)
                if household.balance >= 6:
                    redemptions.redeem(
                        s,
                        household,
                        {"B0": 1},
                        kiosk=kiosk,
                        idempotency_key=f"bench-redeem-{h:08d}",
                        actor="bench",
                    )
    return {"villages": made, "rows": loaded}


def _percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return statistics.median(ordered) * 1000, p95 * 1000


def _client(app, username: str):
    client = app.test_client()
    page = client.get("/backoffice/login")
    import re

    token = re.search(r'name="csrf-token" content="([^"]+)"', page.text).group(1)
    answer = client.post(
        "/backoffice/login", data={"username": username, "password": PASSWORD, "csrf_token": token}
    )
    assert answer.status_code == 303, answer.status_code
    page = client.get("/backoffice/region")
    token = re.search(r'name="csrf-token" content="([^"]+)"', page.text).group(1)
    return client, token


def _time_page(client, path: str, repeat: int) -> tuple[float, float]:
    answer = client.get(path)
    assert answer.status_code == 200, (path, answer.status_code)
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        answer = client.get(path)
        answer.get_data()
        samples.append(time.perf_counter() - started)
        assert answer.status_code == 200
    return _percentiles(samples)


def _measure(url: str, first: int, repeat: int, *, verify: bool = True) -> None:
    """Time each page through the app, then verify one village and the district."""
    from kiosk.app import create_app

    folder = Path(tempfile.mkdtemp(prefix="district-bench-"))
    app = create_app(
        {
            "INSTANCE_PATH": str(folder),
            "DATABASE_URL": url,
            "SECRET_KEY": "bench",
            "PRINTER": "preview",
            "TESTING": True,
        }
    )
    today = clock.today()
    month = f"{today.year}-{today.month:02d}"
    district, _ = _client(app, "bench-district")
    town, town_token = _client(app, "bench-town")
    figures = {
        "district page": _time_page(district, "/backoffice/region", repeat),
        "township page": _time_page(town, "/backoffice/region", repeat),
        "district ranking": _time_page(district, "/backoffice/region/ranking", repeat),
        "monthly XLSX (district)": _time_page(
            district, f"/backoffice/region/villages-{month}.xlsx", repeat
        ),
    }
    town.post("/backoffice/region/pick", data={"village_id": first, "csrf_token": town_token})
    figures["village home (dashboard)"] = _time_page(town, "/backoffice/", repeat)
    for name, (p50, p95) in figures.items():
        print(f"  {name:<28} p50 {p50:7.1f} ms   p95 {p95:7.1f} ms")
    app.extensions["kiosk_db"].engine.dispose()
    if not verify:
        return
    engine = make_engine(url)
    conn = snapshot(engine)
    try:
        one = verify_ledger(conn, first)
    finally:
        conn.close()
    conn = snapshot(engine)
    try:
        whole = verify_ledger(conn, None)
    finally:
        conn.close()
    assert one.ok and whole.ok, (one.first_problem, whole.first_problem)
    started = time.perf_counter()
    with unit_of_work(session_factory(engine)) as s:
        problems = fold.check(s)
    assert not problems, problems[:3]
    checked = time.perf_counter() - started
    print(f"  verify one village   {one.rows:,} rows {one.rows_per_second:,.0f} rows/s")
    print(f"  verify the district  {whole.rows:,} rows {whole.rows_per_second:,.0f} rows/s")
    print(
        f"  monthly figures equal the journal (verify's check): {checked:.1f} s,"
        f" {whole.rows / checked:,.0f} rows/s"
    )
    engine.dispose()


def _time_catalogue(url: str, runs: int) -> None:
    """The district publishes one new item to every village, then changes its points: each
    timed with its commit, p50 of `runs` runs (every run a new item)."""
    engine = make_engine(url)
    factory = session_factory(engine)
    with unit_of_work(factory) as s:
        district = s.scalar(text("SELECT id FROM districts WHERE code = 'BD'"))
        cats = district_catalog.district_catalogue(s, district) if district else []
        villages = len(district_catalog.villages_of(s, district)) if district else 0
        items = sum(len(rules) for _c, rules in cats)
    if not cats:
        print("  catalogue: the kept district has no catalogue (loaded before it had one)")
        engine.dispose()
        return
    published, changed = [], []
    for run in range(runs):
        started = time.perf_counter()
        with unit_of_work(factory) as s:
            category = s.get(DistrictRuleCategory, cats[run % len(cats)][0].id)
            rule = district_catalog.add_district_rule(
                s, category, f"基准新增项目{run + 1}", 3, 1, 5, actor="bench"
            )
            rule_id = rule.id
        published.append(time.perf_counter() - started)
        started = time.perf_counter()
        with unit_of_work(factory) as s:
            rule = district_catalog.get_district_rule(s, district, rule_id)
            district_catalog.change_district_rule(s, rule, 4, 2, 6, actor="bench")
        changed.append(time.perf_counter() - started)
    print(f"  district catalogue: {items} items in {len(cats)} categories, {villages} villages")
    for what, samples in (("publish one item", published), ("change its points", changed)):
        runs_ms = ", ".join(f"{x * 1000:.0f}" for x in samples)
        print(
            f"  {what:<18} in {villages} villages  p50 {statistics.median(samples) * 1000:6.0f} ms"
            f"   ({runs} runs: {runs_ms} ms)"
        )
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--villages", type=int, default=300)
    parser.add_argument("--townships", type=int, default=15)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument(
        "--rows", type=int, default=None, help="Journal rows (default 10,000,000 x scale)."
    )
    parser.add_argument(
        "--catalogue-runs", type=int, default=3, help="Runs of the catalogue's publish and change."
    )
    parser.add_argument("--keep", action="store_true", help="Keep the schema (prints its URL).")
    parser.add_argument(
        "--reuse",
        metavar="URL",
        help="Time the pages and verify on a district kept by an earlier --keep run (no load).",
    )
    parser.add_argument(
        "--pages-only", action="store_true", help="Time the pages; skip verify and its check."
    )
    args = parser.parse_args()
    if args.reuse:
        load = os.getloadavg()
        print(f"district bench on a kept district: {args.reuse}")
        print(f"  load average before: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
        engine = make_engine(args.reuse)
        schema.upgrade(engine)
        with engine.connect() as conn:
            first = conn.scalar(text("SELECT min(id) FROM villages"))
        engine.dispose()
        _time_catalogue(args.reuse, args.catalogue_runs)
        _measure(args.reuse, first, args.repeat, verify=not args.pages_only)
        return
    homes = int(150_000 * args.scale)
    rows = args.rows if args.rows is not None else int(10_000_000 * args.scale)
    load = os.getloadavg()
    print(f"district bench: {args.villages} villages, {homes:,} households, {rows:,} journal rows")
    print(
        f"  load average before: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}, cores {os.cpu_count()}"
    )
    url, drop = fresh_database("postgresql", Path(tempfile.gettempdir()))
    try:
        engine = make_engine(url)
        schema.upgrade(engine)
        started = time.perf_counter()
        world = _load(engine, args.villages, args.townships, homes, rows, 1, print)
        print(f"  loaded in {time.perf_counter() - started:.0f} s")
        started = time.perf_counter()
        with unit_of_work(session_factory(engine)) as s:
            folded = fold.fold(s)
        seconds = time.perf_counter() - started
        print(
            f"  first fold into the monthly figures (kiosk region refresh): {folded:,} postings"
            f" in {seconds:.1f} s ({folded / seconds:,.0f}/s)"
        )
        engine.dispose()
        # Before the pages and verify: the chains it writes are verified with the rest.
        _time_catalogue(url, args.catalogue_runs)
        _measure(url, world["villages"][0]["id"], args.repeat, verify=not args.pages_only)
        if args.keep:
            print(f"  kept: {url}")
    finally:
        if not args.keep:
            drop()
    _ = io


if __name__ == "__main__":
    main()
