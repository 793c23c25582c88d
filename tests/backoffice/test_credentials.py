"""Credentials can be changed and revoked (finding 10), from the admin page and the command line,
journaled; a token cannot be bound to another village's kiosk (finding 24)."""

from __future__ import annotations

from sqlalchemy import select

from shop import regions, staff
from shop.models import ApiToken, Journal, StaffUser, Village

from .conftest import PASSWORD, StaffClient


def _journal_memos(app) -> list[str]:
    with app.extensions["kiosk_db"].reader() as db:
        return list(db.scalars(select(Journal.memo).where(Journal.kind == "staff_change")))


def test_an_admin_resets_a_password_and_the_old_sessions_end(app, staff_client):
    clerk = staff_client("clerk")
    assert clerk.get("/backoffice/").status_code == 200
    with app.extensions["kiosk_db"].reader() as db:
        clerk_id = db.scalar(select(StaffUser.id).where(StaffUser.username == "clerk"))
    admin = staff_client("admin")
    answer = admin.post(f"/backoffice/staff/{clerk_id}/password", {"password": "new-pass-2468"})
    assert answer.status_code == 303
    assert clerk.get("/backoffice/").status_code == 302  # signed out
    assert StaffClient(app).login("clerk").status_code == 401  # the old password is gone
    assert StaffClient(app).login("clerk", "new-pass-2468").status_code == 303
    assert "password reset" in _journal_memos(app)


def test_a_member_changes_their_own_password(app, staff_client):
    here, elsewhere = staff_client("panel"), staff_client("panel")
    wrong = here.post(
        "/backoffice/account/password",
        {"current": "not-it", "new_password": "panel-pass-99", "confirm": "panel-pass-99"},
    )
    assert wrong.status_code == 422
    done = here.post(
        "/backoffice/account/password",
        {"current": PASSWORD, "new_password": "panel-pass-99", "confirm": "panel-pass-99"},
    )
    assert done.status_code == 303
    assert here.get("/backoffice/").status_code == 200  # this browser stays in
    assert elsewhere.get("/backoffice/").status_code == 302  # the other one is out
    assert StaffClient(app).login("panel", "panel-pass-99").status_code == 303
    assert "password changed" in _journal_memos(app)


def test_an_admin_lists_and_revokes_api_tokens(app, staff_client):
    with app.extensions["kiosk_db"].writer() as db:
        village = db.scalar(select(Village).order_by(Village.id))
        row, token = staff.create_api_token(db, village, "kiosk", label="district-sync")
        db.commit()
        token_id = row.id
    api = app.test_client()
    auth = {"Authorization": f"Bearer {token}"}
    assert api.get("/api/v1/products", headers=auth).status_code == 200
    admin = staff_client("admin")
    page = admin.get("/backoffice/tokens")
    assert page.status_code == 200 and "district-sync" in page.text and token not in page.text
    assert admin.post(f"/backoffice/tokens/{token_id}/revoke").status_code == 303
    assert api.get("/api/v1/products", headers=auth).status_code == 401
    assert "revoke api token district-sync" in _journal_memos(app)
    assert admin.post("/backoffice/tokens/999999/revoke").status_code == 404


def _runner(app):
    from kiosk.cli import register

    register(app)
    return app.test_cli_runner()


def test_the_command_line_lists_revokes_and_resets(app):
    runner = _runner(app)
    made = runner.invoke(args=["token", "create", "--role", "panel", "--label", "phone-app"])
    assert made.exit_code == 0, made.output
    listed = runner.invoke(args=["token", "list"])
    assert "phone-app" in listed.output and "active" in listed.output
    token_id = int(
        next(line for line in listed.output.splitlines() if "phone-app" in line).split()[0]
    )
    assert runner.invoke(args=["token", "revoke", str(token_id)]).exit_code == 0
    with app.extensions["kiosk_db"].reader() as db:
        assert db.get(ApiToken, token_id).is_active is False
    reset = runner.invoke(args=["staff", "password", "volunteer", "--password", "vol-pass-1357"])
    assert reset.exit_code == 0, reset.output
    assert StaffClient(app).login("volunteer", "vol-pass-1357").status_code == 303


def test_a_token_cannot_bind_another_villages_kiosk(app):
    with app.extensions["kiosk_db"].writer() as db:
        other = regions.create_village(db, "VX", "邻村", is_demo=True)
        regions.create_kiosk(db, other, "KX9", "邻村机")
        db.commit()
    runner = _runner(app)
    refused = runner.invoke(args=["token", "create", "--role", "kiosk", "--kiosk", "KX9"])
    assert refused.exit_code != 0
    with app.extensions["kiosk_db"].reader() as db:
        assert db.scalar(select(ApiToken).where(ApiToken.kiosk_id.is_not(None))) is None


def test_staff_sessions_expire_when_idle_and_after_a_working_day(app, staff_client):
    """Finding 16: idle (30 min) and absolute (12 h) expiry of a staff session."""
    import time

    for field, age in (("staff_seen", 31 * 60), ("staff_since", 13 * 3600)):
        clerk = staff_client("clerk")
        assert clerk.get("/backoffice/").status_code == 200
        with clerk.client.session_transaction("/backoffice/") as session:
            session[field] = int(time.time()) - age
        assert clerk.get("/backoffice/").status_code == 302, field


def test_the_kiosk_screen_keeps_its_own_session_apart_from_staff(app, staff_client):
    """Finding 16: the villagers' touchscreen and the back-office never share a session cookie;
    signing out of the back-office leaves the kiosk's visit as it was, and the reverse."""
    clerk = staff_client("clerk")
    client = clerk.client
    assert client.get("/backoffice/").status_code == 200
    assert client.get("/").status_code == 200
    assert client.get_cookie("session") is not None
    assert client.get_cookie("kiosk_session") is not None
    assert client.get_cookie("session").value != client.get_cookie("kiosk_session").value
    with client.session_transaction("/") as kiosk_side:
        assert "_user_id" not in kiosk_side  # no staff sign-in on the kiosk's cookie
    with client.session_transaction("/backoffice/") as staff_side:
        assert "_user_id" in staff_side


def test_the_session_cookie_is_secure_over_tls_behind_a_proxy(make_app):
    app = make_app(BEHIND_PROXY=True)
    client = app.test_client()
    page = client.get("/backoffice/login", headers={"X-Forwarded-Proto": "https"})
    csrf = page.text.split('name="csrf-token" content="')[1].split('"')[0]
    answer = client.post(
        "/backoffice/login",
        data={"username": "admin", "password": PASSWORD, "csrf_token": csrf},
        headers={"X-Forwarded-Proto": "https", "Referer": "https://localhost/backoffice/login"},
    )
    assert answer.status_code == 303
    cookie = answer.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
