"""Who may see and post scans: the kiosk's own page, and the scanner programs on the box.

Two credentials, both confined to the kiosk box (docs/SCANNING.md):

- **The page key.** A page served to a browser on the box itself (the touchscreen's Chromium
  opens http://127.0.0.1:5000/) carries a fresh per-page key: a random nonce signed with the
  app's secret key, this kiosk's code and the browser's own `kiosk_scan` cookie (HttpOnly,
  SameSite=Strict, set with the first page). The scan event stream and every ticket claim need
  the key, the same browser's cookie, *and* a request from the box (see `on_the_box`). Tickets
  are bound to the page whose stream received them, so another session cannot claim them, even
  with the key copied. Signed rather than stored: a page left open across a server restart
  keeps working.
- **The device key.** Scanner programs that post codes to `POST /scans` (JSON only) send
  `Authorization: Bearer <device key>`. The key is a file in the instance folder, created with
  mode 0600 at install (`kiosk device-key`) or on first use; `kiosk device-key --rotate`
  replaces it. A kiosk API token bound to this kiosk (`kiosk token create --role kiosk
  --kiosk K01`) is accepted too, for a scanner on another machine.

"On the box" means: the socket's peer is a loopback address, the request names a loopback host
(so a web page that rebinds its own domain name to 127.0.0.1 is refused), and no proxy header
says it was forwarded (a reverse proxy on the box would otherwise make every LAN client
look local).
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask, after_this_request, current_app, request

DEVICE_KEY_FILE = "device_key"
COOKIE = "kiosk_scan"
_LOOPBACK_NAMES = {"127.0.0.1", "localhost", "::1"}
_FORWARDED = (
    "HTTP_X_FORWARDED_FOR",
    "HTTP_X_FORWARDED_HOST",
    "HTTP_FORWARDED",
    "HTTP_X_REAL_IP",
)


def on_the_box() -> bool:
    """True when the current request comes from a browser or program on the kiosk box itself."""
    env = request.environ
    # ProxyFix (if ever installed) rewrites REMOTE_ADDR from a header anyone can send; trust
    # only the socket's own peer.
    original = env.get("werkzeug.proxy_fix.orig") or {}
    peer = original.get("REMOTE_ADDR") or env.get("REMOTE_ADDR") or ""
    try:
        address = ipaddress.ip_address(peer.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if not address.is_loopback:
        return False
    if original or any(env.get(name) for name in _FORWARDED):
        return False
    host = env.get("HTTP_HOST") or env.get("SERVER_NAME") or ""
    try:
        name = urlsplit("//" + host).hostname or ""
    except ValueError:
        return False
    return name.lower() in _LOOPBACK_NAMES


# -- page keys -----------------------------------------------------------------------------------


def _signature(app: Flask, nonce: str, browser: str) -> str:
    secret = str(app.config["SECRET_KEY"]).encode()
    message = f"scan-page:{app.config['DEVICE']}:{nonce}:{browser}".encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()[:32]


def _browser() -> str:
    value = request.cookies.get(COOKIE, "")
    return value if 16 <= len(value) <= 64 else ""


def mint_page_key() -> str:
    """A new key for a page being served to the box; "" for anyone else."""
    if not on_the_box():
        return ""
    browser = _browser()
    if not browser:
        browser = secrets.token_urlsafe(18)

        @after_this_request
        def _remember(response):
            response.set_cookie(
                COOKIE, browser, max_age=365 * 86400, httponly=True, samesite="Strict"
            )
            return response

    nonce = secrets.token_urlsafe(12)
    return f"{nonce}.{_signature(current_app, nonce, browser)}"


def page_of(key: str | None) -> str | None:
    """The page (its nonce) a key names, if the key is genuine, was made for this browser, and
    the request is on the box."""
    if not key or len(key) > 100 or not on_the_box():
        return None
    browser = _browser()
    nonce, _, signature = key.partition(".")
    if not nonce or not browser:
        return None
    if not hmac.compare_digest(signature, _signature(current_app, nonce, browser)):
        return None
    return nonce


# -- the device key ------------------------------------------------------------------------------


def device_key_path(app: Flask) -> Path:
    return Path(app.instance_path) / DEVICE_KEY_FILE


def device_key(app: Flask, *, rotate: bool = False) -> str:
    """The device key, created (mode 0600) when there is none yet, replaced when `rotate`."""
    configured = app.config.get("DEVICE_KEY")
    if configured and not rotate:
        return str(configured)
    path = device_key_path(app)
    if rotate or not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fresh = path.with_name(DEVICE_KEY_FILE + ".new")
        fresh.unlink(missing_ok=True)
        fd = os.open(fresh, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_urlsafe(32) + "\n")
        os.replace(fresh, path)
        app.config.pop("DEVICE_KEY", None)
    return path.read_text().strip()


def bearer() -> str:
    header = request.headers.get("Authorization", "")
    return header[7:].strip() if header.lower().startswith("bearer ") else ""


def is_device_key(token: str) -> bool:
    if not token:
        return False
    return hmac.compare_digest(token.encode(), device_key(current_app).encode())
