"""The one scan endpoint scanner programs post to, the event stream out to the kiosk's own page,
and who may do either (kiosk.scan_access)."""

from __future__ import annotations

import json
import re

import pytest

from kiosk.db import get_db
from kiosk.scan_access import device_key
from kiosk.scan_events import hub, publish_scan
from shop import staff
from shop.db import unit_of_work
from shop.models import Kiosk, Village

from .conftest import KioskClient, screen_of

LAN = {"REMOTE_ADDR": "192.0.2.10"}


class Page(KioskClient):
    """The kiosk page as a browser on the box sees it: its stream URL carries its page key."""

    def __init__(self, app, base_url: str = "http://localhost", **environ) -> None:
        self.app = app
        self.client = app.test_client()
        self.environ = environ
        self.base_url = base_url
        page = self.client.get("/", environ_base=environ, base_url=base_url)
        self.csrf = re.search(r'name="csrf-token" content="([^"]+)"', page.text).group(1)
        self.stream_url = re.search(r'data-stream="([^"]*)"', page.text).group(1)
        found = re.search(r"page=([^&\"]+)", self.stream_url)
        self.key = found.group(1) if found else ""

    def open_stream(self, **headers):
        return self.client.get(
            self.stream_url or "/scans/stream",
            headers=headers,
            environ_base=self.environ,
            base_url=self.base_url,
            buffered=False,
        )

    def claim(self, ticket: str, key: str | None = None):
        data = {"ticket": ticket, "page": self.key if key is None else key}
        return self.client.post(
            "/scan",
            data=data,
            headers={"X-CSRFToken": self.csrf, "HX-Request": "true"},
            environ_base=self.environ,
            base_url=self.base_url,
        )


def _events(response, count: int = 1) -> list[dict]:
    """The first `count` events of a stream (scan or replaced), as dicts of their fields."""
    found, buffer = [], ""
    for chunk in response.response:
        buffer += chunk.decode() if isinstance(chunk, bytes) else chunk
        *blocks, buffer = buffer.split("\n\n")
        for block in blocks:
            fields = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line)
            if "event" in fields:
                found.append(fields)
                if len(found) == count:
                    return found
    raise AssertionError(f"stream ended after {found}")


def _ticket(event: dict) -> str:
    assert event["event"] == "scan"
    return json.loads(event["data"])["ticket"]


def _post(app, body, *, key: str | None = "device", **kwargs):
    headers = kwargs.pop("headers", {})
    if key == "device":
        key = device_key(app)
    if key:
        headers["Authorization"] = f"Bearer {key}"
    return app.test_client().post("/scans", headers=headers, **({"json": body} | kwargs))


def test_a_posted_code_reaches_the_page_as_a_ticket_and_opens_the_household(app, passbooks):
    page = Page(app)
    assert page.key  # served to the box: the page has its key
    stream = page.open_stream()
    assert stream.status_code == 200 and stream.mimetype == "text/event-stream"
    posted = _post(app, {"code": passbooks["rich"]["存折二维码"], "source": "camera"})
    assert posted.status_code == 202 and posted.json["accepted"]
    assert "ticket" not in posted.json  # the poster gets no ticket to claim
    event = _events(stream)[0]
    stream.close()
    assert passbooks["rich"]["存折二维码"] not in event["data"]  # the code never goes to the page
    ticket = _ticket(event)
    opened = page.claim(ticket)
    assert screen_of(opened) == ("household", None)
    again = page.claim(ticket)
    assert again.status_code == 204  # a ticket works once


def test_a_reconnecting_page_gets_the_scans_it_missed(app, passbooks):
    page = Page(app)
    publish_scan(app, passbooks["rich"]["存折二维码"], "usb")
    stream = page.open_stream(**{"Last-Event-ID": "0"})
    event = _events(stream)[0]
    stream.close()
    assert event["id"] == "1"
    assert screen_of(page.claim(_ticket(event))) == ("household", None)


def test_the_same_code_twice_in_a_moment_is_one_scan(app, passbooks):
    code = passbooks["rich"]["存折二维码"]
    assert publish_scan(app, code, "camera")
    assert publish_scan(app, code, "camera") is None
    assert publish_scan(app, passbooks["poor"]["存折二维码"], "camera")


def test_posting_a_scan_needs_the_device_key_or_this_kiosks_token_and_json(app, passbooks):
    body = {"code": passbooks["rich"]["存折二维码"], "source": "camera"}
    # Loopback alone is no longer enough: a page in the kiosk's own browser is on loopback too.
    assert _post(app, body, key=None).status_code == 401
    assert _post(app, body, key="not-the-key").status_code == 401
    # A form body (what a cross-origin page can send without a preflight) is refused.
    form = _post(app, None, json=None, data=body)
    assert form.status_code == 415
    assert _post(app, body).status_code == 202
    with app.app_context(), unit_of_work(get_db().writer) as session:
        village = session.query(Village).one()
        own = session.query(Kiosk).filter_by(code=app.config["DEVICE"]).one()
        other = Kiosk(village=village, code="K77", name="另一台")
        session.add(other)
        session.flush()
        _, for_us = staff.create_api_token(session, village, "kiosk", label="cam", kiosk=own)
        _, for_other = staff.create_api_token(session, village, "kiosk", label="x", kiosk=other)
        _, admin = staff.create_api_token(session, village, "admin", label="laptop")
    body["code"] = passbooks["poor"]["存折二维码"]
    assert _post(app, body, key=for_us, environ_base=LAN).status_code == 202
    assert _post(app, body, key=for_other, environ_base=LAN).status_code == 401
    assert _post(app, body, key=admin, environ_base=LAN).status_code == 401


def test_a_scan_post_without_a_code_is_refused(app):
    assert _post(app, {"source": "camera"}).status_code == 422
    assert _post(app, ["JF1"]).status_code == 422


def test_the_device_key_is_a_private_file_made_once(app):
    key = device_key(app)
    path = app.instance_path + "/device_key"
    import os
    import stat

    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert device_key(app) == key and len(key) >= 40
    assert device_key(app, rotate=True) != key


@pytest.mark.parametrize(
    "environ",
    [
        pytest.param(LAN, id="another machine on the LAN"),
        pytest.param({"HTTP_X_FORWARDED_FOR": "192.0.2.10"}, id="through a proxy on the box"),
        pytest.param({"base_url": "http://evil.example:5000"}, id="a rebound domain name"),
    ],
)
def test_a_page_not_on_the_box_gets_no_stream_and_cannot_open_one(app, passbooks, environ):
    stranger = Page(app, **environ)
    assert stranger.stream_url == "" and stranger.key == ""
    # Even with a genuine key taken from the kiosk's page, the stream is refused off the box.
    kiosk_page = Page(app)
    stranger.stream_url = kiosk_page.stream_url
    refused = stranger.open_stream()
    assert refused.status_code == 403
    refused.close()


def test_the_stream_needs_a_genuine_page_key(app):
    client = app.test_client()
    assert client.get("/scans/stream").status_code == 403
    assert client.get("/scans/stream?page=abc.0123456789abcdef0123456789abcdef").status_code == 403
    key = Page(app).key
    nonce = key.split(".")[0]
    assert client.get(f"/scans/stream?page=x{nonce}.{key.split('.')[1]}").status_code == 403


def test_another_session_cannot_claim_the_kiosk_pages_ticket(app, passbooks):
    kiosk_page = Page(app)
    stream = kiosk_page.open_stream()
    publish_scan(app, passbooks["rich"]["存折二维码"], "camera")
    ticket = _ticket(_events(stream)[0])
    stream.close()

    other_session = Page(app)  # another browser session on the box, with its own page key
    assert other_session.claim(ticket).status_code == 204
    # Even the kiosk page's own key is no use in another browser (it is bound to its cookie).
    assert other_session.claim(ticket, key=kiosk_page.key).status_code == 204
    refused = other_session.client.get(kiosk_page.stream_url)
    assert refused.status_code == 403
    assert screen_of(other_session.get("/")) == ("waiting", None)
    # The kiosk's page still has its scan.
    assert screen_of(kiosk_page.claim(ticket)) == ("household", None)


def test_a_lan_session_cannot_claim_a_ticket_even_with_the_pages_key(app, passbooks):
    kiosk_page = Page(app)
    stream = kiosk_page.open_stream()
    publish_scan(app, passbooks["rich"]["存折二维码"], "camera")
    ticket = _ticket(_events(stream)[0])
    stream.close()

    stranger = Page(app, **LAN)
    assert stranger.claim(ticket, key=kiosk_page.key).status_code == 204
    assert stranger.claim(ticket).status_code == 204
    assert screen_of(stranger.get("/")) == ("waiting", None)
    # The kiosk's page still has its scan.
    assert screen_of(kiosk_page.claim(ticket)) == ("household", None)


def test_a_scan_sent_to_two_pages_is_claimed_once(app, passbooks):
    first, second = Page(app), Page(app)
    one, two = first.open_stream(), second.open_stream()
    publish_scan(app, passbooks["rich"]["存折二维码"], "camera")
    t1, t2 = _ticket(_events(one)[0]), _ticket(_events(two)[0])
    one.close()
    two.close()
    assert t1 != t2
    assert screen_of(first.claim(t1)) == ("household", None)
    assert second.claim(t2).status_code == 204


def test_streams_are_one_per_page_and_few_in_all(app):
    app.config["SCAN_STREAMS"] = 2
    first = Page(app)
    a = first.open_stream()
    b = first.open_stream()  # the same page reconnecting: the first stream ends
    assert _events(a)[0]["event"] == "replaced"
    pages = [Page(app) for _ in range(3)]
    streams = [p.open_stream() for p in pages]
    for s in streams:
        next(iter(s.response))  # the streams have started
    # Four opened after `b`, two allowed: `b` and the first newcomer were told to go.
    assert _events(b)[0]["event"] == "replaced"
    assert _events(streams[0])[0]["event"] == "replaced"
    assert hub(app).listeners(app.config["DEVICE"]) == 2
    for s in (a, b, *streams):
        s.close()


def test_closing_the_hub_ends_open_streams(app):
    stream = Page(app).open_stream()
    chunks = iter(stream.response)
    assert next(chunks).startswith(b"retry:")
    hub(app).close()
    assert list(chunks) == []
