"""Back-office benchmark: household search, a batch award of 300 households, a sheet of 60
passbook cards.

    .venv/bin/python bench/backoffice.py                       # 20,000 households, SQLite file
    .venv/bin/python bench/backoffice.py --households 5000 --runs 100
    .venv/bin/python bench/backoffice.py --database-url postgresql+psycopg://...

The village is bulk-loaded (bench/bulk.py), its heads given believable Chinese names, and the
search index (household_search) filled by shop.roster.reindex_missing, as `kiosk` would after a
bulk load. Search is timed twice: the service alone, and the whole htmx request in-process (the
Flask test client: routing, session, sign-in check, database, rendering; no network). The batch
award is one unit of work through shop.awards.apply_batch (300 guarded UPDATEs and 300 journal
rows, hash-chained); the ledger is verified afterwards.

Targets: search p95 <= 50 ms; batch award of 300 <= 2 s; PDF of 60 cards <= 5 s.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bulk import load_village  # noqa: E402
from sqlalchemy import bindparam, update  # noqa: E402

from kiosk import backoffice  # noqa: E402
from kiosk.app import create_app  # noqa: E402
from shop import (  # noqa: E402
    points,
    schema,
    staff,
)
from shop.db import unit_of_work  # noqa: E402
from shop.demo import GIVEN, SURNAMES  # noqa: E402
from shop.households import cards, codes, roster  # noqa: E402
from shop.ledger.verify import verify_ledger  # noqa: E402
from shop.models import Household, Rule, RuleCategory, Village  # noqa: E402

FONT = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def summary(name: str, ms: list[float], target: float | None = None) -> str:
    p95 = pct(ms, 95)
    verdict = "" if target is None else ("  OK" if p95 <= target else "  OVER TARGET")
    return (
        f"{name:<34} n={len(ms):<4} p50={statistics.median(ms):7.2f} ms  p95={p95:7.2f} ms  "
        f"max={max(ms):7.2f} ms{verdict}"
    )


def name_heads(engine, household_ids: list[int], rng: random.Random) -> None:
    names = [rng.choice(SURNAMES) + rng.choice(GIVEN) for _ in household_ids]
    with engine.begin() as conn:
        conn.execute(
            update(Household).where(Household.id == bindparam("hid")),
            [{"hid": hid, "head_name": n} for hid, n in zip(household_ids, names, strict=True)],
        )


def queries(rng: random.Random, n: int) -> list[str]:
    out = []
    for i in range(n):
        kind = i % 4
        if kind == 0:
            out.append(rng.choice(["w", "l", "z", "zs", "wj", "lxy", "cm", "hjg", "xq"]))
        elif kind == 1:
            out.append(rng.choice(SURNAMES) + rng.choice(["", rng.choice(GIVEN)[:1]]))
        elif kind == 2:
            out.append(f"{rng.randint(1, 20):02d}-{rng.randint(1, 999):03d}")
        else:
            out.append(rng.choice(["wangjian", "lixiu", "zhang", "chen", "zhou"]))
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--households", type=int, default=20_000)
    ap.add_argument("--journal-rows", type=int, default=40_000)
    ap.add_argument("--runs", type=int, default=200)
    ap.add_argument("--batch", type=int, default=300)
    ap.add_argument("--cards", type=int, default=60)
    ap.add_argument("--database-url", default=None)
    args = ap.parse_args()
    rng = random.Random(5)

    with tempfile.TemporaryDirectory() as tmp:
        config = {"INSTANCE_PATH": tmp, "SECRET_KEY": "bench", "PRINTER": "preview"}
        if args.database_url:
            config["DATABASE_URL"] = args.database_url
        app = create_app(config)
        backoffice.init_app(app)
        db = app.extensions["kiosk_db"]
        engine = db.engine
        print(f"database: {engine.dialect.name}; loading {args.households:,} households ...")
        schema.upgrade(engine)
        village = load_village(
            engine,
            households_n=args.households,
            journal_rows=args.journal_rows,
            kiosks=1,
            code=f"BO{rng.randint(0, 99999)}",
            progress=print,
        )
        name_heads(engine, village.household_ids, rng)
        started = time.perf_counter()
        with unit_of_work(db.writer) as s:
            indexed = roster.reindex_missing(s, village.village_id)
            v = s.get(Village, village.village_id)
            username = staff.create_staff(
                s, f"bench{rng.randint(0, 99999)}", "panel", "bench-pass-1", village=v
            ).username
        print(f"  search index: {indexed:,} households in {time.perf_counter() - started:.1f} s")

        # Search: the service alone.
        qs = queries(rng, args.runs)
        service_ms, hits = [], []
        for q in qs:
            with unit_of_work(db.reader) as s:
                t0 = time.perf_counter()
                found = roster.search_households(s, village.village_id, q)
                service_ms.append((time.perf_counter() - t0) * 1000)
                hits.append(len(found))

        # Search: the whole htmx request, signed in as a panel member.
        client = app.test_client()
        page = client.get("/backoffice/login").text
        token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
        signed = client.post(
            "/backoffice/login",
            data={"username": username, "password": "bench-pass-1", "csrf_token": token},
        )
        assert signed.status_code == 303, signed.status_code
        request_ms = []
        for q in qs:
            t0 = time.perf_counter()
            response = client.get(
                "/backoffice/households", query_string={"q": q}, headers={"HX-Request": "true"}
            )
            request_ms.append((time.perf_counter() - t0) * 1000)
            assert response.status_code == 200

        # Batch award of 300 households in one unit of work.
        with unit_of_work(db.writer) as s:
            cat = RuleCategory(village_id=village.village_id, code="bench", name="积善")
            s.add(cat)
            s.flush()
            rule = Rule(category_id=cat.id, name="参加志愿服务一次", points=5)
            s.add(rule)
            s.flush()
            rule_id = rule.id
        chosen = rng.sample(village.household_ids, args.batch)
        t0 = time.perf_counter()
        with unit_of_work(db.writer) as s:
            rule = s.get(Rule, rule_id)
            preview = points.preview_batch(s, village.village_id, rule, chosen)
            preview_s = time.perf_counter() - t0
            points.apply_batch(
                s,
                village.village_id,
                rule,
                chosen,
                actor="staff:bench",
                batch_key="bench-batch",
                memo="基准",
            )
        batch_s = time.perf_counter() - t0

        # A sheet of 60 passbook cards (fresh codes, as right after issue).
        sheet = [
            cards.Card(
                "基准测试村",
                f"01-{i:04d}",
                rng.choice(SURNAMES) + rng.choice(GIVEN),
                "第一村民小组",
                dt.date.today(),
                i + 1,
                codes.new_code(),
            )
            for i in range(args.cards)
        ]
        t0 = time.perf_counter()
        pdf = cards.cards_pdf(sheet, font_path=app.config.get("CJK_FONT") or FONT)
        cards_s = time.perf_counter() - t0

        with engine.connect() as conn:
            report = verify_ledger(conn)
        engine.dispose()

    print()
    print(
        f"households: {args.households:,}; search queries: {len(qs)} "
        f"(mean {statistics.mean(hits):.1f} hits, first page of 50)"
    )
    print(summary("search (service)", service_ms, 50))
    print(summary("search (htmx request, in-process)", request_ms, 50))
    verdict = "OK" if batch_s <= 2 else "OVER TARGET"
    print(
        f"batch award of {args.batch} households:  {batch_s:6.2f} s "
        f"(preview {preview_s:.2f} s, total {preview.total:+d})  {verdict}"
    )
    verdict = "OK" if cards_s <= 5 else "OVER TARGET"
    print(
        f"PDF sheet of {args.cards} passbook cards: {cards_s:6.2f} s "
        f"({len(pdf) / 1024:.0f} KB, {-(-args.cards // 10)} pages)  {verdict}"
    )
    print(f"ledger verify after the batch: {'OK' if report.ok else report}")


if __name__ == "__main__":
    main()
