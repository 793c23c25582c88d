"""Phone page benchmark: server time and page weight of every phone page (手机查询页), on the
demo village and on a large one.

    .venv/bin/python bench/phone.py                                  # demo + 2,000 households
    .venv/bin/python bench/phone.py --households 20000 --journal-rows 1000000 --runs 50

"first ms" is the first request of each page (the ranking and the notice are then computed; phones
share them for a minute, kiosk.phone.common). Server time is measured around the Flask app
in-process (the test client: the whole request,
cookie check, scope, database and rendering, no network). Page weight is the HTML and what the
first page loads (phone.css, phone.js, the icon, pictures on the page), raw and gzip-compressed
(what a reverse proxy or WeChat's network layer carries).

Targets (issue 17): the first page <= 100 KB compressed; every page p95 <= 100 ms.
"""

from __future__ import annotations

import argparse
import gzip
import os
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bulk import load_village  # noqa: E402
from sqlalchemy import select  # noqa: E402

from kiosk.app import create_app  # noqa: E402
from kiosk.db import get_db  # noqa: E402
from shop import demo, households, schema  # noqa: E402
from shop.db import unit_of_work  # noqa: E402
from shop.models import Household, Village  # noqa: E402
from shop.phone import set_phone_settings  # noqa: E402

PAGES = ("/m/", "/m/history", "/m/notice", "/m/ranking", "/m/rules", "/m/goods", "/m/apply")
TARGET_KB, TARGET_MS = 100, 100.0


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def weight(client, html: bytes) -> tuple[int, int]:
    """(raw, gzip) bytes of the page and what it loads from the app (stylesheet, script,
    pictures), each fetched once as a browser with an empty cache would."""
    assets = set(re.findall(rb'(?:href|src)="(/static/[^"]+)"', html))
    raw, packed = len(html), len(gzip.compress(html, 6))
    for url in sorted(assets):
        body = client.get(url.decode()).data
        raw += len(body)
        packed += len(gzip.compress(body, 6))
    return raw, packed


def measure(app, village_id: int, runs: int, tag: str) -> None:
    with unit_of_work(get_db().writer) as session:
        h = session.scalars(
            select(Household)
            .where(Household.village_id == village_id)
            .order_by(Household.balance.desc())
        ).first()
        code = households.issue_query_code(session, h, actor="bench").code
        set_phone_settings(session, village_id, is_public=True, is_masked=True, actor="bench")
        village_code = session.get(Village, village_id).code
    client = app.test_client()
    started = time.perf_counter()
    assert client.get(f"/m/c/{code}").status_code == 303
    signin_ms = (time.perf_counter() - started) * 1000
    print(f"\n{tag}: sign-in by the QR link {signin_ms:.1f} ms")
    head = f"  {'page':24} {'first ms':>8} {'p50 ms':>8} {'p95 ms':>8} {'HTML KB':>8}"
    print(f"{head} {'first load KB raw/gzip':>24}")
    public = [f"/m/v/{village_code}/{p}" for p in ("notice", "ranking", "honour")]
    for path in (*PAGES, *public):
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            response = client.get(path)
            times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (path, response.status_code)
        raw, packed = weight(client, response.data)
        print(
            f"  {path[:24]:24} {times[0]:8.1f} {pct(times, 50):8.1f} {pct(times, 95):8.1f} "
            f"{len(response.data) / 1024:8.1f} {raw / 1024:12.1f} / {packed / 1024:6.1f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=2000)
    parser.add_argument("--journal-rows", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    with tempfile.TemporaryDirectory() as folder:
        app = create_app({"INSTANCE_PATH": folder, "SECRET_KEY": "bench", "PRINTER": "preview"})
        with app.app_context():
            db = get_db()
            schema.upgrade(db.engine)
            with unit_of_work(db.writer) as session:
                seeded = demo.seed_demo(session, Path(folder), kiosk_code=app.config["DEVICE"])
                demo_id = seeded["village"].id
            measure(app, demo_id, args.runs, "demo village (60 households)")
            db.engine.dispose()
    if not args.households:
        return
    # A real village never shares a database with the demo (demo_mix): a database of its own.
    with tempfile.TemporaryDirectory() as folder:
        app = create_app({"INSTANCE_PATH": folder, "SECRET_KEY": "bench", "PRINTER": "preview"})
        with app.app_context():
            db = get_db()
            schema.upgrade(db.engine)
            big = load_village(
                db.engine,
                households_n=args.households,
                journal_rows=args.journal_rows,
                progress=lambda *a: None,
            )
            measure(
                app,
                big.village_id,
                args.runs,
                f"large village ({args.households} households, {args.journal_rows} journal rows)",
            )
            db.engine.dispose()


if __name__ == "__main__":
    main()
