"""An activity the size villages run (活动: 150 villagers signed up for greening in one village):
how long each step takes, on SQLite and PostgreSQL.

    .venv/bin/python bench/activities.py                    # 150 households, both engines
    .venv/bin/python bench/activities.py --households 300 --engines sqlite

Each step is its own unit of work, as one request is in the back-office: signing up all the
households at once (one form), each passbook scan at the activity (one request per card; the
median and the slowest are printed), ending the activity (one review batch) and the panel's
approval of the whole batch (one award event), then `verify` of the village's chain.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bulk import fresh_database  # noqa: E402

from shop import households, regions, schema  # noqa: E402
from shop.db import make_engine, session_factory, unit_of_work  # noqa: E402
from shop.ledger.verify import verify_ledger  # noqa: E402
from shop.models import Household, Rule, RuleCategory  # noqa: E402
from shop.points import activities, review  # noqa: E402


def run(engine_name: str, n: int, tmp: Path) -> None:
    url, drop = fresh_database(engine_name, tmp, f"activities-{engine_name}.db")
    engine = make_engine(url)
    try:
        schema.upgrade(engine)
        factory = session_factory(engine)
        with unit_of_work(factory) as s:
            village = regions.create_village(s, "V-ACT", "活动村")
            category = RuleCategory(village_id=village.id, code="jm", name="积美")
            s.add(category)
            s.flush()
            rule = Rule(category_id=category.id, name="村屯绿化", points=5)
            s.add(rule)
            s.flush()
            codes = []
            for i in range(n):
                home = households.create_household(
                    s, village, f"{i // 50 + 1:02d}-{i % 50 + 1:03d}", f"村民{i}", actor="bench"
                )
                codes.append(households.issue_passbook(s, home, actor="bench")[1])
            activity = activities.create_activity(
                s, village.id, rule, name="植树", held_on=dt.date(2027, 3, 12), actor="bench"
            )
            village_id, activity_id = village.id, activity.id

        started = time.perf_counter()
        with unit_of_work(factory) as s:
            activity = activities.get_activity(s, village_id, activity_id)
            for home in s.query(Household).where(Household.village_id == village_id):
                activities.sign_up(s, activity, home, actor="bench")
        sign_up_s = time.perf_counter() - started

        scans = []
        for code in codes[: n * 4 // 5]:  # four in five came
            started = time.perf_counter()
            with unit_of_work(factory) as s:
                activity = activities.get_activity(s, village_id, activity_id)
                activities.attend_by_code(s, activity, code, actor="bench")
            scans.append((time.perf_counter() - started) * 1000)

        started = time.perf_counter()
        with unit_of_work(factory) as s:
            activity = activities.get_activity(s, village_id, activity_id)
            batch_id = activities.close_activity(s, activity, actor="bench").id
        close_s = time.perf_counter() - started

        started = time.perf_counter()
        with unit_of_work(factory) as s:
            batch = review.get_batch(s, village_id, batch_id)
            review.decide(s, village_id, batch_id, approve=[x.id for x in batch.lines], actor="p")
        approve_s = time.perf_counter() - started

        with engine.connect() as conn:
            problems = verify_ledger(conn, village_id).problems
        print(
            f"{engine_name:10} households {n:4}  sign up all {sign_up_s * 1000:7.0f} ms  "
            f"scan median {statistics.median(scans):5.1f} ms max {max(scans):6.1f} ms "
            f"({len(scans)} scans)  end {close_s * 1000:6.0f} ms  "
            f"approve {approve_s * 1000:6.0f} ms  verify {problems or 'clean'}"
        )
    finally:
        engine.dispose()
        drop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--households", type=int, default=150)
    parser.add_argument("--engines", nargs="+", default=["sqlite", "postgresql"])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.engines:
            run(name, args.households, Path(tmp))


if __name__ == "__main__":
    main()
