"""The deployment shape (docs/DISTRICT.md), run for real: one PostgreSQL database, two shop boxes
and one district server, each a `kiosk serve` process of its own. Each shop box connects with its
own row-level-security login (`kiosk region shop-login`) and its own device code; the district
server with the owner's. Villagers redeem at both shops (the JSON API with each kiosk's token)
while the district's viewer keeps reading the district page; every redemption counts once on it,
and `kiosk verify` (chains and the monthly figures) passes on the district server afterwards."""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from shop import households, points, regions, schema, staff, stock
from shop.db import session_factory, unit_of_work
from shop.regions import shop_access
from tests.conftest import PG_URL, new_backend

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

KIOSK = str(Path(sys.executable).with_name("kiosk"))
PASSWORD = "district-pass-1"
SHOP_PASSWORD = "shop-box-password-1"
ROUNDS = 6


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _seed(engine) -> dict:
    made: dict = {"shops": []}
    with unit_of_work(session_factory(engine)) as s:
        district = regions.create_district(s, "NK", "南康区")
        town = regions.create_township(s, district, "NK-TJ", "唐江镇")
        for key in ("A", "B"):
            village = regions.create_village(s, f"DEP{key}", f"{key}村", region=town)
            kiosk = regions.create_kiosk(s, village, f"DK{key}{uuid.uuid4().hex[:4]}", "1号机")
            product = stock.create_product(s, village, "SOAP", "肥皂", 5, unit="块")
            stock.receive_stock(s, product, 500, actor="t", source="区财政预算")
            passbooks = []
            for n in range(3):
                home = households.create_household(s, village, f"01-{n:03d}", "户主", actor="t")
                points.award_points(s, home, delta=200, actor="t", memo="opening")
                passbooks.append(households.issue_passbook(s, home, actor="t")[1])
            _, token = staff.create_api_token(s, village, "kiosk", kiosk=kiosk, actor="t")
            made["shops"].append(
                {
                    "village": village.id,
                    "code": village.code,
                    "device": kiosk.code,
                    "token": token,
                    "passbooks": passbooks,
                }
            )
        staff.create_staff(s, "nk-view", "district_viewer", PASSWORD, district=district)
        made["finance"] = staff.create_region_token(s, district, label="区财政局", actor="t")[1]
    return made


def _start(url: str, folder: Path, device: str, port: int) -> subprocess.Popen:
    folder.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "KIOSK_DATABASE_URL": url,
        "KIOSK_INSTANCE_PATH": str(folder),
        "KIOSK_DEVICE": device,
        "KIOSK_SECRET_KEY": f"key-{device}",
        "KIOSK_PRINTER": "preview",
    }
    return subprocess.Popen(
        [KIOSK, "serve", "--port", str(port), "--threads", "4"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def _wait(port: int, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(process.stderr.read().decode()[-2000:])
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
        except urllib.error.HTTPError:
            return  # answering (a 503 health is still a server that is up)
    raise AssertionError(f"no server on {port}")


def _district_reader(port: int):
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"http://127.0.0.1:{port}/backoffice/login", timeout=10).read().decode()
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    body = urllib.parse.urlencode(
        {"username": "nk-view", "password": PASSWORD, "csrf_token": token}
    ).encode()
    opener.open(f"http://127.0.0.1:{port}/backoffice/login", data=body, timeout=10).read()
    return opener


def _counts(html: str) -> dict[str, int]:
    rows = re.findall(r'data-village="([^"]+)".*?class="num redemptions">(\d+)<', html, re.S)
    return {code: int(n) for code, n in rows}


def test_two_shop_boxes_and_the_district_server_on_one_database(pg_available, tmp_path):
    if not pg_available:
        pytest.skip("PostgreSQL not reachable (required in CI)")
    backend = new_backend("postgres", tmp_path, create=False)
    schema.upgrade(backend.engine)
    world = _seed(backend.engine)
    roles = []
    processes: list[subprocess.Popen] = []
    try:
        for shop in world["shops"]:
            role = f"shop_{uuid.uuid4().hex[:10]}"
            roles.append(role)
            with backend.engine.begin() as conn:
                shop_access.create_shop_login(conn, shop["village"], role, SHOP_PASSWORD)
            shop["url"] = backend.url.replace("postgres@", f"{role}:{SHOP_PASSWORD}@", 1)
            shop["port"] = _free_port()
        district_port = _free_port()
        for shop in world["shops"]:
            processes.append(
                _start(shop["url"], tmp_path / shop["device"], shop["device"], shop["port"])
            )
        processes.append(_start(backend.url, tmp_path / "district", "DISTRICT", district_port))
        for shop, process in zip(world["shops"], processes, strict=False):
            _wait(shop["port"], process)
        _wait(district_port, processes[-1])

        reader = _district_reader(district_port)
        before = _counts(
            reader.open(f"http://127.0.0.1:{district_port}/backoffice/region").read().decode()
        )
        assert before == {"DEPA": 0, "DEPB": 0}

        results: list[int] = []
        reads: list[int] = []
        done = threading.Event()

        def redeem_at(shop):
            for n in range(ROUNDS):
                body = json.dumps(
                    {
                        "passbook": shop["passbooks"][n % 3],
                        "lines": [{"sku": "SOAP", "qty": 1}],
                        "idempotency_key": f"dep-{shop['device']}-{n:04d}",
                    }
                ).encode()
                request = urllib.request.Request(
                    f"http://127.0.0.1:{shop['port']}/api/v1/redemptions",
                    data=body,
                    headers={
                        "Authorization": f"Bearer {shop['token']}",
                        "Content-Type": "application/json",
                    },
                )
                try:
                    with urllib.request.urlopen(request, timeout=20) as answer:
                        results.append(answer.status)
                except urllib.error.HTTPError as refused:
                    results.append((refused.code, refused.read().decode()[:300]))

        def read_district():
            while not done.is_set():
                with reader.open(
                    f"http://127.0.0.1:{district_port}/backoffice/region", timeout=20
                ) as answer:
                    reads.append(answer.status)

        watcher = threading.Thread(target=read_district)
        watcher.start()
        shops = [threading.Thread(target=redeem_at, args=(shop,)) for shop in world["shops"]]
        for t in shops:
            t.start()
        for t in shops:
            t.join()
        done.set()
        watcher.join()
        assert results == [201] * (2 * ROUNDS)
        assert reads and set(reads) == {200}
        after = _counts(
            reader.open(f"http://127.0.0.1:{district_port}/backoffice/region").read().decode()
        )
        assert after == {"DEPA": ROUNDS, "DEPB": ROUNDS}
        # the finance office's district token reads the same through the district's API; a shop
        # box's login cannot even see that token's row (row-level security): refused there
        finance = {"Authorization": f"Bearer {world['finance']}"}
        request = urllib.request.Request(
            f"http://127.0.0.1:{district_port}/api/v1/region/villages", headers=finance
        )
        with urllib.request.urlopen(request, timeout=20) as answer:
            figures = json.loads(answer.read())
        assert {v["code"]: v["redemptions"] for v in figures["villages"]} == after
        at_a_shop = urllib.request.Request(
            f"http://127.0.0.1:{world['shops'][0]['port']}/api/v1/region/villages", headers=finance
        )
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(at_a_shop, timeout=20)
        refused.value.close()  # the refusal holds the answer's socket until closed
        assert refused.value.code == 401
        # a shop box's own login cannot see the other shop's receipts
        shop_engine = create_engine(world["shops"][0]["url"])
        with shop_engine.connect() as conn:
            villages = conn.execute(text("SELECT DISTINCT village_id FROM redemptions")).all()
        shop_engine.dispose()
        assert villages == [(world["shops"][0]["village"],)]
        verify = subprocess.run(
            [KIOSK, "verify", "--jobs", "1"],
            env={
                **os.environ,
                "KIOSK_DATABASE_URL": backend.url,
                "KIOSK_INSTANCE_PATH": str(tmp_path / "district"),
            },
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert verify.returncode == 0, verify.stderr
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
            process.stderr.close()
        backend.dispose()
        admin = create_engine(PG_URL)
        with admin.begin() as conn:
            for role in roles:
                conn.execute(text(f'DROP OWNED BY "{role}"'))
                conn.execute(text(f'DROP ROLE "{role}"'))
        admin.dispose()
