"""The one page-or-fragment helper of every screen and page (kiosk, back-office, phone).

An htmx request gets the partial alone (on the kiosk its root is `<section id="screen">`,
swapped outerHTML); a plain request or an htmx history restore gets the whole page around it.
Both vary on HX-Request so no cache ever hands one for the other. On the kiosk, sounds ride
along as an HX-Trigger event the page's script plays (if sounds are on).
"""

from __future__ import annotations

import json

from flask import Response, make_response, redirect, render_template, url_for
from flask_htmx import HTMX

htmx = HTMX()

PAGE = "kiosk/page.html"
SOUNDS = ("scan", "done", "error")


def wants_fragment() -> bool:
    return bool(htmx) and not htmx.history_restore_request


def page_or_fragment(
    page: str, partial: str | None = None, /, *, http_status: int = 200, **context
) -> Response:
    """`partial` alone for htmx, the whole `page` otherwise (or `page` alone without a partial)."""
    body = render_template(partial if partial and wants_fragment() else page, **context)
    response = make_response(body, http_status)
    response.vary.add("HX-Request")
    return response


def render_screen(
    partial: str, *, status: int = 200, sound: str | None = None, **context
) -> Response:
    """Render one screen: the partial for htmx, the full page otherwise."""
    response = page_or_fragment(
        PAGE, partial, http_status=status, screen_template=partial, **context
    )
    if sound in SOUNDS:
        response.headers["HX-Trigger"] = f'{{"kiosk-sound": "{sound}"}}'
    response.headers["Cache-Control"] = "no-store"
    return response


def render_fragment(template: str, *, status: int = 200, sound: str | None = None, **context):
    """A piece of a screen (e.g. the goods and the basket bar) for htmx; None otherwise, so the
    caller can fall back to the whole screen for a browser without script."""
    if not wants_fragment():
        return None
    response = make_response(render_template(template, **context), status)
    response.vary.add("HX-Request")
    if sound in SOUNDS:
        response.headers["HX-Trigger"] = f'{{"kiosk-sound": "{sound}"}}'
    response.headers["Cache-Control"] = "no-store"
    return response


def refresh_page(endpoint: str = "screens.index") -> Response:
    """Reload the whole page (htmx: HX-Refresh), or 303 to it after a plain POST."""
    if htmx:
        response = make_response("", 204)
        response.headers["HX-Refresh"] = "true"
        return response
    return redirect(url_for(endpoint), 303)


def no_content() -> Response:
    return make_response("", 204)


def notice_only(text: str, *, sound: str | None = None) -> Response:
    """No new screen, only a small notice over the one shown (kiosk.js shows `kiosk-notice`)."""
    response = no_content()
    events = {"kiosk-notice": text}
    if sound in SOUNDS:
        events["kiosk-sound"] = sound
    response.headers["HX-Trigger"] = json.dumps(events, ensure_ascii=True)
    response.headers["Cache-Control"] = "no-store"
    return response


def redirect_page(url: str) -> Response:
    """Leave the kiosk screen for another page (htmx: HX-Redirect), or 303 after a plain POST."""
    if htmx:
        response = make_response("", 204)
        response.headers["HX-Redirect"] = url
        return response
    return redirect(url, 303)
