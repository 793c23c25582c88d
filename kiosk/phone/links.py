"""The phone page's sign-in link for a query code, as printed in its QR and shown to staff."""

from __future__ import annotations

import io

from flask import current_app, has_request_context, request


def phone_base() -> str:
    """Where phones reach this app: config PHONE_URL (e.g. http://jifen.example.cn), else the
    address the back-office was opened at (the shop box on the village network)."""
    configured = (current_app.config.get("PHONE_URL") or "").strip()
    if configured:
        return configured.rstrip("/")
    if has_request_context():
        return request.host_url.rstrip("/")
    return "http://localhost:8000"


def phone_link(code: str | None) -> str:
    return f"{phone_base()}/m/c/{code}" if code else ""


def qr_svg(payload: str) -> str:
    """The link as an inline SVG QR for the household page (drawn here, no outside request)."""
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(payload, image_factory=qrcode.image.svg.SvgPathImage, border=2, box_size=8)
    out = io.BytesIO()
    image.save(out)
    text = out.getvalue().decode("utf-8")
    return text[text.index("<svg") :]
