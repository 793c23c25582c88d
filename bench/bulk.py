"""Bulk-load a large, valid village for benchmarks: the same chain the services would write
(shop.ledger.canonical and chain_hash), loaded with executemany on SQLite and COPY on PostgreSQL,
so `kiosk verify` passes on it. Not for production data: it bypasses the services on purpose."""

from __future__ import annotations

import datetime as dt
import os
import random
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import Engine, create_engine, insert, text

from shop import ledger, regions, stock
from shop.db import session_factory, unit_of_work
from shop.households import codes
from shop.models import Household, Journal, Passbook, PointsEntry, Rule, RuleCategory

BATCH = 20_000


@dataclass
class BulkVillage:
    village_id: int
    kiosk_codes: list[str]
    household_ids: list[int]
    codes: list[str]
    skus: list[str]
    journal_rows: int
    seconds: float


PG_URL = os.environ.get("KIOSK_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def _copy_or_insert(engine: Engine, conn, table, columns: list[str], rows: list[tuple]) -> None:
    if not rows:
        return
    if engine.dialect.name == "postgresql":
        raw = conn.connection.driver_connection
        with (
            raw.cursor() as cur,
            cur.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as cp,
        ):
            for row in rows:
                cp.write_row(row)
    else:
        conn.execute(insert(table), [dict(zip(columns, row, strict=True)) for row in rows])


def load_village(
    engine: Engine,
    *,
    households_n: int,
    journal_rows: int,
    kiosks: int = 8,
    seed: int = 1,
    code: str | None = None,
    progress=print,
) -> BulkVillage:
    """A village with `households_n` households (passbooks issued) and about `journal_rows`
    journal rows of awards, on an empty or existing schema."""
    started = time.perf_counter()
    rng = random.Random(seed)
    code = code or f"BENCH{seed}"
    factory = session_factory(engine)
    with unit_of_work(factory) as s:
        village = regions.create_village(s, code, f"基准测试村{seed}")
        kiosk_codes = [f"{code[-6:]}K{i}" for i in range(kiosks)]
        for kc in kiosk_codes:
            regions.create_kiosk(s, village, kc, kc)
        cat = RuleCategory(village_id=village.id, code="clean", name="积美")
        s.add(cat)
        s.flush()
        rules = [
            Rule(category_id=cat.id, name=f"项目{i}", points=p)
            for i, p in enumerate((3, 5, 10, 20))
        ]
        s.add_all(rules)
        s.flush()
        rule_points = [(r.id, r.points) for r in rules]
        skus = []
        for i in range(12):
            product = stock.create_product(s, village, f"B{i:02d}", f"商品{i}", 3 + i, unit="个")
            stock.receive_stock(s, product, 100_000, actor="bench")
            skus.append(product.sku)
        village_id = village.id
        seq, head_hash = ledger.head(s, village_id)

    # Households and passbooks in bulk.
    codes_ = [codes.new_code() for _ in range(households_n)]
    with engine.begin() as conn:
        first_id = (
            conn.execute(text("SELECT coalesce(max(id), 0) FROM households")).scalar_one() + 1
        )
        now = dt.datetime.now(dt.UTC)
        rows = [
            (
                first_id + i,
                village_id,
                f"{i // 1000 + 1:02d}-{i % 1000 + 1:04d}",
                f"户主{i}",
                f"第{i // 1000 + 1}组",
                3,
                "active",
                0,
                0,
                False,
                now,
            )
            for i in range(households_n)
        ]
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
        _copy_or_insert(engine, conn, Household.__table__, cols, rows)
        first_pb = conn.execute(text("SELECT coalesce(max(id), 0) FROM passbooks")).scalar_one() + 1
        first_serial = (
            conn.execute(
                text("SELECT coalesce(max(serial), 0) FROM passbooks WHERE village_id = :v"),
                {"v": village_id},
            ).scalar_one()
            + 1
        )
        pb_rows = [
            (
                first_pb + i,
                village_id,
                first_id + i,
                first_serial + i,
                codes.code_hash(c),
                "active",
                now,
            )
            for i, c in enumerate(codes_)
        ]
        _copy_or_insert(
            engine,
            conn,
            Passbook.__table__,
            ["id", "village_id", "household_id", "serial", "code_hash", "status", "issued_at"],
            pb_rows,
        )
    household_ids = [first_id + i for i in range(households_n)]
    progress(f"  {households_n:,} households and passbooks loaded")

    # Journal rows: awards with their postings, hash-chained exactly as ledger.append does.
    balances = dict.fromkeys(household_ids, 0)
    numbers = {hid: row[2] for hid, row in zip(household_ids, rows, strict=True)}
    t0 = dt.datetime.now(dt.UTC) - dt.timedelta(days=365)
    with engine.begin() as conn:
        next_jid = conn.execute(text("SELECT coalesce(max(id), 0) FROM journal")).scalar_one() + 1
        next_pid = (
            conn.execute(text("SELECT coalesce(max(id), 0) FROM points_entries")).scalar_one() + 1
        )
    done = 0
    while done < journal_rows:
        n = min(BATCH, journal_rows - done)
        jrows, prows = [], []
        for _ in range(n):
            seq += 1
            hid = rng.choice(household_ids)
            rule_id, pts = rule_points[rng.randrange(4)]
            balances[hid] += pts
            at = t0 + dt.timedelta(seconds=seq * 20)
            ref = f"household:{numbers[hid]}"
            payload = ledger.canonical(
                village_id,
                seq,
                "award",
                ledger.format_ts(at),
                "bench",
                ref,
                "",
                [(hid, pts, balances[hid], rule_id)],
            )
            new_hash = ledger.chain_hash(head_hash, payload)
            jrows.append(
                (next_jid, village_id, seq, "award", at, "bench", ref, "", head_hash, new_hash)
            )
            prows.append((next_pid, next_jid, hid, pts, balances[hid], rule_id))
            head_hash = new_hash
            next_jid += 1
            next_pid += 1
        with engine.begin() as conn:
            _copy_or_insert(
                engine,
                conn,
                Journal.__table__,
                [
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
                ],
                jrows,
            )
            _copy_or_insert(
                engine,
                conn,
                PointsEntry.__table__,
                ["id", "journal_id", "household_id", "delta", "balance_after", "rule_id"],
                prows,
            )
        done += n
        if done % 200_000 == 0 or done == journal_rows:
            progress(f"  {done:,} journal rows loaded")

    with engine.begin() as conn:
        funded = [{"b": b, "h": h} for h, b in balances.items() if b]
        if funded:
            conn.execute(text("UPDATE households SET balance = :b WHERE id = :h"), funded)
        conn.execute(
            text("UPDATE ledger_heads SET seq = :s, head_hash = :h WHERE village_id = :v"),
            {"s": seq, "h": head_hash, "v": village_id},
        )
        if engine.dialect.name == "postgresql":
            for table in ("households", "passbooks", "journal", "points_entries"):
                conn.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT max(id) FROM {table}))"
                    )
                )
            conn.execute(text("ANALYZE"))
    return BulkVillage(
        village_id, kiosk_codes, household_ids, codes_, skus, seq, time.perf_counter() - started
    )


def fresh_database(name: str, tmp: Path, filename: str = "bench.db"):
    """A new SQLite file, or a new schema on the PostgreSQL server at PG_URL; returns the URL and
    a function that drops it again."""
    if name == "sqlite":
        return f"sqlite:///{tmp / filename}", lambda: None
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))

    def drop():
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()

    return f"{PG_URL}?options=-csearch_path%3D{schema}", drop
