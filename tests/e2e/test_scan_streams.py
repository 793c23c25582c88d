"""The scan event stream on a real server: open streams never starve the app, and a machine on
the LAN can neither listen to scans nor claim them.

The server here is waitress with 8 threads, as `kiosk serve` runs it, listening on every
address as the deploy guide's LAN set-up does.
"""

from __future__ import annotations

import http.client
import json
import re
import shutil
import socket
import time
from urllib.parse import urlsplit

import pytest

from kiosk.app import create_app
from kiosk.scan_access import device_key
from kiosk.scan_events import hub

from .conftest import LIVE_CONFIG, serve


@pytest.fixture(scope="module")
def server(_seeded_template, tmp_path_factory):
    folder = tmp_path_factory.mktemp("stream-instance")
    shutil.copytree(_seeded_template, folder, dirs_exist_ok=True)
    app = create_app({"INSTANCE_PATH": str(folder), "SECRET_KEY": "e2e", **LIVE_CONFIG})
    with serve(app, threads=8, host="0.0.0.0") as url:
        yield app, urlsplit(url).port


def _lan_address() -> str | None:
    """This machine's own non-loopback IPv4 address, as a LAN client would reach it."""
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        probe.connect(("192.0.2.1", 9))  # no packet is sent; this only picks the route
        address = probe.getsockname()[0]
    except OSError:
        return None
    finally:
        probe.close()
    return None if address.startswith("127.") else address


class Browser:
    """A browser session against the server: its cookies, and the kiosk page's stream URL."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.cookies: dict[str, str] = {}
        self.stream_url = ""
        self.csrf = ""

    def request(self, method: str, path: str, body: bytes | None = None, headers=None, timeout=5):
        conn = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        sent = dict(headers or {})
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        conn.request(method, path, body=body, headers=sent)
        response = conn.getresponse()
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
        return conn, response

    def load_page(self) -> str:
        conn, response = self.request("GET", "/")
        text = response.read().decode()
        conn.close()
        assert response.status == 200
        self.stream_url = re.search(r'data-stream="([^"]*)"', text).group(1).replace("&amp;", "&")
        self.csrf = re.search(r'name="csrf-token" content="([^"]+)"', text).group(1)
        return text


def _answers_quickly(port: int, path: str) -> float:
    started = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=3)
    conn.request("GET", path)
    response = conn.getresponse()
    response.read()
    conn.close()
    assert response.status in (200, 302), (path, response.status)
    return time.perf_counter() - started


def test_twenty_open_streams_leave_the_pages_and_healthz_answering(server):
    app, port = server
    held = []
    try:
        # Ten strangers without a page key, and ten pages on the box each with a key of its own.
        for _ in range(10):
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/scans/stream")
            response = conn.getresponse()
            assert response.status == 403
            held.append(conn)
        for _ in range(10):
            browser = Browser("127.0.0.1", port)
            browser.load_page()
            assert browser.stream_url
            conn, response = browser.request("GET", browser.stream_url)
            assert response.status == 200
            held.append(conn)
        time.sleep(0.3)
        assert hub(app).listeners(app.config["DEVICE"]) <= app.config["SCAN_STREAMS"]
        for path in ("/", "/healthz", "/backoffice/login", "/", "/healthz"):
            assert _answers_quickly(port, path) < 2.0
    finally:
        for conn in held:
            conn.close()


def test_a_machine_on_the_lan_can_neither_listen_to_nor_claim_scans(server):
    app, port = server
    lan = _lan_address()
    if lan is None:
        pytest.skip("this machine has no non-loopback address to play the LAN client")
    kiosk = Browser("127.0.0.1", port)
    kiosk.load_page()
    stream_conn, stream = kiosk.request("GET", kiosk.stream_url, timeout=5)
    assert stream.status == 200

    stranger = Browser(lan, port)
    page = stranger.load_page()
    assert stranger.stream_url == "" and "page=" not in page
    # Not with a stream URL of its own, nor the kiosk page's key and cookie copied.
    conn, refused = stranger.request("GET", "/scans/stream")
    assert refused.status == 403
    conn.close()
    stranger.cookies["kiosk_scan"] = kiosk.cookies["kiosk_scan"]
    conn, refused = stranger.request("GET", kiosk.stream_url)
    assert refused.status == 403
    conn.close()
    # Posting a scan from the LAN without the device key is refused too.
    body = json.dumps({"code": "JF1ANYTHING", "source": "camera"}).encode()
    conn, refused = stranger.request("POST", "/scans", body, {"Content-Type": "application/json"})
    assert refused.status == 401
    conn.close()

    # The kiosk's own scanner program posts, the kiosk page's stream gets the ticket ...
    key = device_key(app)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {key}"}
    conn.request("POST", "/scans", body=body, headers=headers)
    assert conn.getresponse().status == 202
    conn.close()
    buffer = b""
    while b"event: scan" not in buffer:
        buffer += stream.read1(4096)
    ticket = json.loads(re.search(rb"data: (\{.*\})", buffer).group(1))["ticket"]
    stream_conn.close()

    # ... which the LAN machine cannot claim even with the page's key and cookie,
    form = f"ticket={ticket}&page={kiosk.stream_url.split('page=')[1]}".encode()
    conn, answer = stranger.request(
        "POST",
        "/scan",
        form,
        {
            "Content-Type": "application/x-www-form-urlencoded",
            "X-CSRFToken": stranger.csrf,
            "HX-Request": "true",
        },
    )
    assert answer.status == 204
    conn.close()
    # while the kiosk's page still can (the code is not a passbook: the page says so).
    conn, answer = kiosk.request(
        "POST",
        "/scan",
        form,
        {
            "Content-Type": "application/x-www-form-urlencoded",
            "X-CSRFToken": kiosk.csrf,
            "HX-Request": "true",
        },
    )
    assert answer.status != 204
    answer.read()
    conn.close()


def test_the_waiting_screen_shows_the_cameras_view_with_the_qr_outlined(page, live):
    import cv2
    import numpy as np
    import qrcode

    from .conftest import shoot

    page.goto(live.url + "/")
    page.wait_for_selector('#screen[data-screen="waiting"]')
    kiosk = live.app.config["DEVICE"]
    scans = hub(live.app)
    deadline = time.monotonic() + 5
    while scans.listeners(kiosk) == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert scans.listeners(kiosk) >= 1, "the page's scan stream did not connect"
    assert page.locator("#viewfinder").is_hidden()  # no camera yet: the picture shows

    qr = np.array(qrcode.make("JF1VIEWFINDER", box_size=4, border=4).convert("L"))
    view = np.full((180, 240, 3), 170, np.uint8)
    side = min(qr.shape[0], 120)
    view[30 : 30 + side, 60 : 60 + side] = cv2.cvtColor(
        cv2.resize(qr, (side, side)), cv2.COLOR_GRAY2BGR
    )
    jpeg = cv2.imencode(".jpg", view)[1].tobytes()
    outline = [[(60, 30), (60 + side, 30), (60 + side, 30 + side), (60, 30 + side)]]
    for _ in range(3):
        scans.preview(kiosk, jpeg, outline, (240, 180))
        time.sleep(0.25)
    page.wait_for_selector("#viewfinder:not([hidden])")
    assert page.locator("#viewfinder").get_attribute("data-outlined") == "yes"
    assert page.locator(".waiting-picture").is_hidden()
    box = page.locator("#viewfinder").bounding_box()
    assert box and box["y"] + box["height"] <= 600  # above the fold at 1024x600
    shoot(page, "waiting-viewfinder", portrait=True)
    # The camera goes quiet (unplugged): the picture of how to hold the passbook comes back.
    page.wait_for_selector("#viewfinder[hidden]", state="attached", timeout=6000)
    assert page.locator(".waiting-picture").is_visible()
