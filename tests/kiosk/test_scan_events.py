"""The one scan endpoint any source posts to, the event stream out, and publish_scan."""

from __future__ import annotations

import json

from kiosk.db import get_db
from kiosk.scan_events import hub, publish_scan
from shop import staff
from shop.db import unit_of_work
from shop.models import Village

from .conftest import KioskClient, screen_of


def _read_event(response) -> dict:
    """The first `event: scan` of a stream, as a dict of its fields."""
    buffer = ""
    for chunk in response.response:
        buffer += chunk.decode() if isinstance(chunk, bytes) else chunk
        for block in buffer.split("\n\n"):
            if block.startswith("id:"):
                return dict(line.split(": ", 1) for line in block.splitlines())
    raise AssertionError("no scan event")


def test_a_posted_code_reaches_the_page_as_a_ticket_and_opens_the_household(app, passbooks):
    page = KioskClient(app)
    stream = page.client.get("/scans/stream", buffered=False)
    assert stream.mimetype == "text/event-stream"
    posted = app.test_client().post(
        "/scans", json={"code": passbooks["rich"]["存折二维码"], "source": "camera"}
    )
    assert posted.status_code == 202 and posted.json["accepted"]
    event = _read_event(stream)
    stream.close()
    assert event["event"] == "scan"
    ticket = json.loads(event["data"])["ticket"]
    assert passbooks["rich"]["存折二维码"] not in event["data"]  # the code never goes to the page
    opened = page.post("/scan", {"ticket": ticket})
    assert screen_of(opened) == ("household", None)
    again = page.post("/scan", {"ticket": ticket})
    assert again.status_code == 204  # a ticket works once


def test_a_reconnecting_page_gets_the_scans_it_missed(app, passbooks):
    publish_scan(app, passbooks["rich"]["存折二维码"], "usb")
    stream = app.test_client().get("/scans/stream", headers={"Last-Event-ID": "0"}, buffered=False)
    event = _read_event(stream)
    stream.close()
    assert event["id"] == "1"


def test_the_same_code_twice_in_a_moment_is_one_scan(app, passbooks):
    code = passbooks["rich"]["存折二维码"]
    assert publish_scan(app, code, "camera")
    assert publish_scan(app, code, "camera") is None
    assert publish_scan(app, passbooks["poor"]["存折二维码"], "camera")


def test_posting_from_another_machine_needs_a_kiosk_token(app, passbooks):
    client = app.test_client()
    remote = {"REMOTE_ADDR": "192.0.2.10"}
    body = {"code": passbooks["rich"]["存折二维码"], "source": "camera"}
    assert client.post("/scans", json=body, environ_base=remote).status_code == 401
    with app.app_context(), unit_of_work(get_db().writer) as session:
        village = session.query(Village).one()
        _, token = staff.create_api_token(session, village, "kiosk", label="camera")
    answer = client.post(
        "/scans", json=body, environ_base=remote, headers={"Authorization": f"Bearer {token}"}
    )
    assert answer.status_code == 202


def test_a_scan_post_without_a_code_is_refused(app):
    assert app.test_client().post("/scans", json={"source": "camera"}).status_code == 422


def test_closing_the_hub_ends_open_streams(app):
    stream = app.test_client().get("/scans/stream", buffered=False)
    chunks = iter(stream.response)
    assert next(chunks).startswith(b"retry:")
    hub(app).close()
    assert list(chunks) == []
