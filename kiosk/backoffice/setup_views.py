"""The first run (开通): on an empty database the back-office opens the village, its villager
groups, its kiosks and the first admin in one short page (shop.village_setup.first_run).

The page exists only while the database holds no village. From the box itself (as
kiosk.scan_access.on_the_box decides) it asks nothing more; from another machine on the network
it also asks for the setup code written to the instance folder (`setup-code`), so a stranger on
the LAN cannot open the village first.
"""

from __future__ import annotations

import hmac
import os
import secrets
from pathlib import Path

from flask import current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_user

from kiosk.db import reading, writing
from kiosk.scan_access import on_the_box
from shop import regions
from shop.errors import DomainError
from shop.regions import setup as village_setup
from shop.scope import Scope
from shop.staff import accounts

from .access import Staff, bp, public, roles_required
from .common import error_text

KIOSK_ROWS = 3


def needs_first_run() -> bool:
    # Whether the database holds any village at all is the operator's question, not the
    # caller's (a township member looking at no village yet sees none).
    with reading(Scope.everything()) as db:
        return village_setup.needs_first_run(db)


def _setup_code_file() -> Path:
    return Path(current_app.instance_path) / "setup-code"


def _setup_code() -> str:
    """The code another machine must type; made once, readable by the box's owner only."""
    path = _setup_code_file()
    if not path.exists():
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as f:
                f.write(f"{secrets.randbelow(10**8):08d}\n")
            current_app.logger.warning(
                "first run from another machine: the setup code is in %s", path
            )
    return path.read_text().strip()


def _local_request() -> bool:
    """On the box itself (kiosk.scan_access.on_the_box): a loopback peer, a loopback host name,
    no proxy header. A reverse proxy on the box does not make LAN clients local."""
    return on_the_box()


def _plan(form) -> village_setup.FirstRun:
    kiosks = []
    for i in range(KIOSK_ROWS):
        code = form.get(f"kiosk_code_{i}", "").strip()
        if code:
            kiosks.append(
                village_setup.KioskPlan(
                    code=code,
                    name=form.get(f"kiosk_name_{i}", "").strip(),
                    receipt_prefix=form.get(f"kiosk_prefix_{i}", "").strip() or None,
                )
            )
    groups = form.get("groups", "").replace("、", "\n").replace("，", "\n").replace(",", "\n")
    return village_setup.FirstRun(
        village_code=form.get("village_code", ""),
        village_name=form.get("village_name", ""),
        county=form.get("county", ""),
        township=form.get("township", ""),
        groups=tuple(regions.clean_groups(groups.splitlines())),
        kiosks=tuple(kiosks),
        admin_username=form.get("admin_username", ""),
        admin_name=form.get("admin_name", ""),
        admin_password=form.get("admin_password", ""),
    )


def _page(error: str | None = None, status: int = 200):
    return (
        render_template(
            "backoffice/setup.html",
            error=error,
            form=request.form,
            rows=range(KIOSK_ROWS),
            device=current_app.config["DEVICE"],
            ask_code=not _local_request(),
        ),
        status,
    )


@bp.route("/setup", methods=["GET", "POST"])
@public
def setup():
    if not needs_first_run():
        return redirect(url_for("backoffice.login"), 303)
    if not _local_request():
        _setup_code()
    if request.method == "GET":
        return _page()
    form = request.form
    if not _local_request() and not hmac.compare_digest(
        form.get("setup_code", "").strip().encode(), _setup_code().encode()
    ):
        return _page(_("开通码不对。开通码在兑换机的 setup-code 文件里。"), 422)
    if form.get("admin_password", "") != form.get("admin_password2", ""):
        return _page(_("两次输入的密码不一样。"), 422)
    if len(form.get("admin_password", "")) < 8:
        return _page(_("密码至少要8位。"), 422)
    try:
        with writing() as db:
            village_setup.first_run(db, _plan(form), actor="setup")
    except DomainError as exc:
        return _page(error_text(exc), 422)
    with writing() as db:
        result = accounts.sign_in_password(
            db, form.get("admin_username", "").strip(), form.get("admin_password", "")
        )
    if result.ok:
        login_user(Staff(result.user))
    _setup_code_file().unlink(missing_ok=True)
    return redirect(url_for("backoffice.setup_done"), 303)


@bp.route("/setup/done")
@roles_required("admin")
def setup_done():
    if needs_first_run():
        return redirect(url_for("backoffice.setup"), 303)
    with reading() as db:
        village = regions.list_villages(db)[0]
        kiosks = regions.list_kiosks(db, village.id)
        groups = regions.village_groups(db, village.id)
    return render_template(
        "backoffice/setup_done.html", village=village, kiosks=kiosks, groups=groups
    )
