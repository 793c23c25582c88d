"""What the scope costs (shop/scope.py): the same ORM statements with and without a village's
scope, on SQLite, three villages of 200 households. Prints microseconds per statement. ("list"
returns 600 rows unscoped and the village's 200 scoped: it shows the filter, not the overhead.)

    .venv/bin/python bench/scope.py
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shop import households, points, regions, scope
from shop.db import make_engine
from shop.models import Base, Household, PointsEntry
from shop.scope import Scope

N = 2000


def run(url: str) -> None:
    engine = make_engine(url)
    Base.metadata.drop_all(engine)
    Base.metadata.create_all(engine)
    with Session(engine) as s:
        villages = [regions.create_village(s, f"B{i}", f"村{i}") for i in range(3)]
        ids = []
        for v in villages:
            for n in range(200):
                h = households.create_household(s, v, f"{n:03d}", "张三", actor="bench")
                points.award_points(s, h, delta=10, actor="bench", memo="m")
                ids.append(h.id)
        s.commit()
        target, village_id = ids[0], villages[0].id
    statements = {
        "get by id": lambda s: s.get(Household, target),
        "list 200": lambda s: s.scalars(select(Household).where(Household.number < "200")).all(),
        "sum of entries": lambda s: s.scalar(select(func.sum(PointsEntry.delta))),
    }
    print(f"{engine.dialect.name}: {N} statements each, µs per statement")
    for name, stmt in statements.items():
        row = []
        for scoped in (False, True):
            with Session(engine) as s:
                if scoped:
                    scope.bind(s, Scope.of([village_id]))
                for _ in range(50):
                    stmt(s)
                    s.expunge_all()
                started = time.perf_counter()
                for _ in range(N):
                    stmt(s)
                    s.expunge_all()
                row.append((time.perf_counter() - started) / N * 1e6)
        print(
            f"  {name:16} unscoped {row[0]:8.0f}   scoped {row[1]:8.0f}   (+{row[1] - row[0]:.0f})"
        )
    Base.metadata.drop_all(engine)
    engine.dispose()


def main() -> None:
    argparse.ArgumentParser(description=__doc__).parse_args()
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    with tempfile.TemporaryDirectory() as folder:
        run(f"sqlite:///{folder}/scope.db")


if __name__ == "__main__":
    main()
