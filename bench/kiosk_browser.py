"""The touchscreen as a villager feels it, in real Chromium on a slow box (issue 11).

    .venv/bin/python bench/kiosk_browser.py                 # 1x and 4x, 24 visits each
    .venv/bin/python bench/kiosk_browser.py --rates 6 --visits 30

Kiosk boxes run Chromium on CPUs four to six times slower than a desk machine; Chromium's own
CPU throttling (DevTools protocol `Emulation.setCPUThrottlingRate`) stands in for one. The demo
village is served by waitress in this process (as `kiosk serve` does, `preview` printer), the
page at 1024x600. Each visit: a wedge scan (keys, then Enter), two taps on + for one good, 下一步,
确认兑换, 结束. Measured in the page, from the input event's own timestamp (the tap's click, as the
finger lifts; the scanner's Enter) to the next frame after the screen shows the result:

- tap on + -> the new quantity in the basket bar (the page updates at once, then tells the server)
- scan (the scanner's Enter) -> the household's screen
- 确认兑换 -> the done screen (the redemption committed; the receipt prints after)

Targets: tap <= 50 ms, scan <= 200 ms, confirm <= 250 ms (p50 at 4x). Figures: docs/BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import csv
import shutil
import statistics
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402

from kiosk.app import create_app  # noqa: E402
from kiosk.db import get_db  # noqa: E402
from shop import demo, schema  # noqa: E402
from shop.db import unit_of_work  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
TARGETS = {"tap": 50.0, "scan": 200.0, "confirm": 250.0}

# In the page: resolve with the ms from the first `event` (on `selector`'s element, or any for
# "keydown" with key Enter) to the frame after `until` (a CSS selector, or basket-count text).
MEASURE = """
([event, target, untilSelector, untilCount]) => { window.__benchResult = new Promise((resolve) => {
  let t0 = null;
  const start = (e) => {
    if (t0 !== null) return;
    if (event === "keydown" && e.key !== "Enter") return;
    if (target && !(e.target.closest && e.target.closest(target))) return;
    t0 = e.timeStamp;
  };
  window.addEventListener(event, start, true);
  const met = () => untilSelector ? document.querySelector(untilSelector) !== null
    : (document.getElementById("basket-count") || {}).textContent === untilCount;
  const check = () => {
    if (t0 === null || !met()) return false;
    observer.disconnect();
    window.removeEventListener(event, start, true);
    requestAnimationFrame(() => setTimeout(() => resolve(performance.now() - t0), 0));
    return true;
  };
  const observer = new MutationObserver(check);
  observer.observe(document.body, {subtree: true, childList: true, characterData: true,
                                   attributes: true});
}); }
"""


def seeded_instance() -> Path:
    folder = Path(tempfile.mkdtemp(prefix="kiosk-browser-bench-"))
    app = create_app({"INSTANCE_PATH": str(folder), "SECRET_KEY": "bench"})
    with app.app_context():
        db = get_db()
        schema.upgrade(db.engine)
        with unit_of_work(db.writer) as session:
            demo.seed_demo(session, folder, kiosk_code=app.config["DEVICE"])
        db.engine.dispose()
    return folder


def serve(app):
    from waitress.server import create_server

    server = create_server(app, host="127.0.0.1", port=0, threads=8)
    threading.Thread(target=server.run, daemon=True).start()
    return server, f"http://127.0.0.1:{server.effective_port}"


def start(page, args):
    """Begin measuring in the page (the result waits in window.__benchResult)."""
    page.evaluate(MEASURE, args)
    return page


def finish(page) -> float:
    return float(page.evaluate("() => window.__benchResult"))


def visit(page, code: str, number: str) -> dict[str, list[float]]:
    got: dict[str, list[float]] = {"scan": [], "tap": [], "confirm": []}
    pending = start(page, ["keydown", None, f'#screen[data-household="{number}"]', None])
    page.keyboard.type(code, delay=0)
    page.keyboard.press("Enter")
    got["scan"].append(finish(pending))
    for n in (1, 2):
        plus = page.get_by_role("button", name="加一件：肥皂")
        pending = start(page, ["click", ".goods-grid", None, str(n)])
        plus.click()
        got["tap"].append(finish(pending))
    page.wait_for_function("() => !window.Kiosk.busy()")  # the taps reached the server
    page.get_by_role("button", name="下一步").click()
    page.wait_for_selector('#screen[data-screen="confirm"]')
    pending = start(page, ["click", "#confirm-form", '#screen[data-screen="done"]', None])
    page.get_by_role("button", name="确认兑换").click()
    got["confirm"].append(finish(pending))
    page.wait_for_selector('#screen[data-print="printed"]', timeout=20000)
    page.locator("#finish").click()
    page.wait_for_selector('#screen[data-screen="waiting"]')
    return got


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rates", type=float, nargs="+", default=[1, 4])
    parser.add_argument("--visits", type=int, default=24)
    args = parser.parse_args()

    folder = seeded_instance()
    app = create_app({"INSTANCE_PATH": str(folder), "SECRET_KEY": "bench", "PRINTER": "preview"})
    with (folder / "demo-passbooks.csv").open(encoding="utf-8-sig") as f:
        rows = [r for r in csv.DictReader(f) if not r["说明"] and int(r["积分余额"]) >= 40]
    server, url = serve(app)
    print(f"demo village, {len(rows)} households with 40+ points; Chromium at 1024x600")
    print(f"{'CPU':>4} {'step':>8} {'p50 ms':>8} {'p95 ms':>8} {'n':>4}  target")
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=CHROMIUM,
                args=["--no-sandbox", "--disable-gpu"],
            )
            for rate in args.rates:
                context = browser.new_context(
                    viewport={"width": 1024, "height": 600}, locale="zh-CN", bypass_csp=True
                )
                page = context.new_page()
                page.set_default_timeout(20000)
                cdp = context.new_cdp_session(page)
                page.goto(url + "/")
                page.wait_for_selector('#screen[data-screen="waiting"]')
                cdp.send("Emulation.setCPUThrottlingRate", {"rate": rate})
                results: dict[str, list[float]] = {"tap": [], "scan": [], "confirm": []}
                visit(page, rows[0]["存折二维码"], rows[0]["户号"])  # warm-up, not counted
                for n in range(args.visits):
                    row = rows[(n + 1) % len(rows)]
                    for step, values in visit(page, row["存折二维码"], row["户号"]).items():
                        results[step].extend(values)
                for step in ("tap", "scan", "confirm"):
                    values = results[step]
                    print(
                        f"{rate:>3.0f}x {step:>8} {statistics.median(values):8.1f} "
                        f"{p95(values):8.1f} {len(values):4d}  <= {TARGETS[step]:.0f} ms"
                    )
                context.close()
            browser.close()
    finally:
        server.close()
        app.extensions["kiosk_db"].engine.dispose()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
