"""Kiosk screens benchmark: server time of scan -> household screen and confirm -> done screen,
on the demo village and on a large one, plus the page weight of the household screen.

    .venv/bin/python bench/kiosk.py                  # demo + 20,000 households, 1,000,000 rows
    .venv/bin/python bench/kiosk.py --households 2000 --journal-rows 50000 --runs 100

Server time is measured around the Flask app in-process (the test client: the whole request,
routing, session, CSRF, database, printing to the `preview` printer and rendering, but no
network). "done -> receipt printed" is the request the done screen makes as it appears, which
renders the receipt and prints it to the `preview` printer (files under the instance folder); a
real thermal printer adds its own second or two there, not to the done screen. The large
village is bulk-loaded with a valid hash chain (bench/bulk.py) and verified at the end, after the
benchmark's own redemptions.

Targets: scan -> household p95 <= 30 ms, confirm -> done p95 <= 50 ms, household page <= 300 KB.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
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
from shop import demo, schema  # noqa: E402
from shop.db import unit_of_work  # noqa: E402
from shop.ledger.verify import verify_ledger  # noqa: E402
from shop.models import Product  # noqa: E402

SCAN_TARGET_MS, CONFIRM_TARGET_MS, WEIGHT_TARGET_KB = 30.0, 50.0, 300


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def figures(values: list[float]) -> str:
    return f"p50 {pct(values, 50):6.1f} ms   p95 {pct(values, 95):6.1f} ms   (n={len(values)})"


class Page:
    """The kiosk page as the server sees it: one browser session, CSRF header, htmx requests."""

    def __init__(self, app) -> None:
        self.client = app.test_client()
        self.csrf = re.search(r'name="csrf-token" content="([^"]+)"', self.client.get("/").text)[1]

    def post(self, path: str, data: dict):
        headers = {"HX-Request": "true", "X-CSRFToken": self.csrf}
        return self.client.post(path, data=data, headers=headers)


def both(result: dict) -> list[float]:
    return [c + p for c, p in zip(result["confirm"], result["print"], strict=True)]


def timed(call) -> tuple[float, object]:
    started = time.perf_counter()
    result = call()
    return (time.perf_counter() - started) * 1000, result


def measure(app, codes: list[str], runs: int, rng: random.Random, tag: str) -> dict:
    page = Page(app)

    def cheapest_in_stock() -> int:
        with app.app_context(), get_db().reader() as session:
            return session.scalar(
                select(Product.id).where(Product.on_hand > 0).order_by(Product.points).limit(1)
            )

    cheapest = cheapest_in_stock()
    for code in rng.sample(codes, min(5, len(codes))):  # warm up: imports, caches, templates
        page.post("/scan", {"code": code})
    scans, confirms, prints = [], [], []
    for n in range(runs):
        code = rng.choice(codes)
        ms, shown = timed(lambda code=code: page.post("/scan", {"code": code}))
        if 'data-screen="household"' not in shown.text:
            page.post("/reset", {})
            continue  # e.g. a household the bench itself emptied
        scans.append(ms)
        visit = re.search(r'"visit": "(\w+)"', shown.text)[1]
        taken = page.post("/basket", {"visit": visit, "product": cheapest, "delta": 1})
        if 'id="basket-count">1<' not in taken.text:  # sold out: the next cheapest, next time
            cheapest = cheapest_in_stock()
            page.post("/reset", {})
            continue
        review = page.post("/review", {"visit": visit})
        signature = re.search(r'name="basket" value="(\w+)"', review.text)[1]
        body = {"visit": visit, "key": f"bench-{tag}-{n:06d}", "basket": signature}
        ms, done = timed(lambda body=body: page.post("/confirm", body))
        assert 'data-screen="done"' in done.text, done.text[:500]
        confirms.append(ms)
        # The done screen then asks for its receipt: printed to the `preview` printer.
        ms, printed = timed(lambda visit=visit: page.post("/print", {"visit": visit}))
        assert 'data-print="printed"' in printed.text, printed.text[:500]
        prints.append(ms)
        page.post("/reset", {})
    return {"scan": scans, "confirm": confirms, "print": prints}


def page_weight(app, code: str) -> tuple[int, dict[str, int]]:
    """Bytes of the household screen as a browser loads it: the page and everything it links."""
    page = Page(app)
    page.post("/scan", {"code": code})
    html = page.client.get("/").data
    parts = {"html": len(html)}
    for url in sorted(set(re.findall(rb'(?:src|href)="(/static/[^"]+)"', html))):
        body = page.client.get(url.decode()).data
        kind = url.rsplit(b".", 1)[-1].decode()
        parts[kind] = parts.get(kind, 0) + len(body)
    return sum(parts.values()), parts


def instance(tmp: Path, name: str, **config):
    folder = tmp / name
    app = create_app(
        {"INSTANCE_PATH": str(folder), "SECRET_KEY": "bench", "PRINTER": "preview", **config}
    )
    with app.app_context():
        schema.upgrade(get_db().engine)
    return app, folder


def run_demo(tmp: Path, runs: int, rng) -> dict:
    app, folder = instance(tmp, "demo")
    with app.app_context(), unit_of_work(get_db().writer) as session:
        demo.seed_demo(session, folder, kiosk_code=app.config["DEVICE"])
    with (folder / "demo-passbooks.csv").open(encoding="utf-8-sig") as f:
        codes = [row["存折二维码"] for row in csv.DictReader(f) if not row["说明"]]
    result = measure(app, codes, runs, rng, "demo")
    result["weight"] = page_weight(app, codes[0])
    with app.app_context():
        get_db().engine.dispose()
    return result


def run_large(tmp: Path, households: int, journal_rows: int, runs: int, rng) -> dict:
    app, _ = instance(tmp, "large")
    with app.app_context():
        engine = get_db().engine
        print(f"loading {households:,} households, {journal_rows:,} journal rows ...")
        village = load_village(
            engine, households_n=households, journal_rows=journal_rows, kiosks=1, progress=print
        )
    app.config["DEVICE"] = village.kiosk_codes[0]
    result = measure(app, village.codes, runs, rng, "large")
    with app.app_context():
        with get_db().engine.connect() as conn:
            report = verify_ledger(conn)
        get_db().engine.dispose()
    result["verify"] = report
    return result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--households", type=int, default=20_000)
    parser.add_argument("--journal-rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=300)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory(prefix="kiosk-bench-") as tmp:
        demo_result = run_demo(Path(tmp), args.runs, rng)
        large = run_large(Path(tmp), args.households, args.journal_rows, args.runs, rng)

    total, parts = demo_result["weight"]
    print()
    print(f"kiosk screens, server time in-process, SQLite, {os.cpu_count()} cores")
    print("demo village (60 households)")
    print(f"  scan -> household screen   {figures(demo_result['scan'])}")
    print(f"  confirm -> done screen     {figures(demo_result['confirm'])}")
    print(f"  done -> receipt printed    {figures(demo_result['print'])}")
    print(f"  both, back to back         {figures(both(demo_result))}")
    print(f"{args.households:,} households, {large['verify'].rows:,} journal rows")
    print(f"  scan -> household screen   {figures(large['scan'])}")
    print(f"  confirm -> done screen     {figures(large['confirm'])}")
    print(f"  done -> receipt printed    {figures(large['print'])}")
    print(f"  both, back to back         {figures(both(large))}")
    print(f"  ledger verified after the bench: {'OK' if large['verify'].ok else 'FAILED'}")
    detail = ", ".join(f"{kind} {size / 1024:.1f}" for kind, size in sorted(parts.items()))
    print(f"household screen page weight {total / 1024:.1f} KB ({detail} KB)")
    worst_scan = max(pct(r["scan"], 95) for r in (demo_result, large))
    worst_confirm = max(pct(r["confirm"], 95) for r in (demo_result, large))
    checks = [
        ("scan p95", worst_scan, SCAN_TARGET_MS, "ms"),
        ("confirm p95", worst_confirm, CONFIRM_TARGET_MS, "ms"),
        ("page weight", total / 1024, WEIGHT_TARGET_KB, "KB"),
    ]
    for name, value, target, unit in checks:
        verdict = "ok" if value <= target else "OVER TARGET"
        print(f"  {name:<12} {value:7.1f} {unit}  target <= {target:g} {unit}: {verdict}")


if __name__ == "__main__":
    main()
