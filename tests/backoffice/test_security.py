"""Who may do what: every back-office route by every role and by nobody; CSRF; lockout that
survives a restart; sessions that end at logout or when the user is disabled."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from kiosk.backoffice.throttle import Throttle
from shop.models import Journal, StaffUser

from .conftest import PASSWORD, ROLES, StaffClient

ALL = set(ROLES)
PANEL = {"admin", "panel"}
READ = {"admin", "panel", "clerk", "supervisor"}
PUBLIC = "public"
VOLUNTEER = {"admin", "volunteer"}
STOCK_READ = {"admin", "volunteer", "supervisor"}
CLERK = {"admin", "clerk"}
CLERK_READ = {"admin", "clerk", "supervisor"}

# endpoint -> roles allowed (PUBLIC: anyone). A new route fails
# test_every_route_is_in_the_table until it is added here with its roles.
EXPECTED = {
    "backoffice.login": PUBLIC,
    "backoffice.badge_login": PUBLIC,
    "backoffice.set_lang": PUBLIC,
    "backoffice.setup": PUBLIC,
    "backoffice.setup_done": {"admin"},
    "backoffice.home": ALL,
    "backoffice.logout": ALL,
    "backoffice.staff_list": {"admin"},
    "backoffice.staff_add": {"admin"},
    "backoffice.staff_unlock": {"admin"},
    "backoffice.staff_active": {"admin"},
    "backoffice.staff_badge": {"admin"},
    "backoffice.staff_role": {"admin"},
    "backoffice.staff_password": {"admin"},
    "backoffice.token_list": {"admin"},
    "backoffice.token_revoke": {"admin"},
    "backoffice.account_password": ALL | {"recorder"},  # one's own password, whatever the role
    # The township's and district's pages: no village role reaches them (tests/district).
    "backoffice.district_home": set(),
    "backoffice.district_ranking": set(),
    "backoffice.district_ranking_xlsx": set(),
    "backoffice.district_villages_xlsx": set(),
    "backoffice.district_pick": set(),
    "backoffice.district_leave": set(),
    "backoffice.district_open": set(),
    "backoffice.district_opened": set(),
    "backoffice.district_rules": set(),
    "backoffice.district_rule_category_add": set(),
    "backoffice.district_rule_add": set(),
    "backoffice.district_rule_change": set(),
    "backoffice.district_rule_retire": set(),
    "backoffice.district_rule_rename": set(),
    "backoffice.district_category_rename": set(),
    "backoffice.district_rule_restore": set(),
    "backoffice.region_tokens": set(),
    "backoffice.region_token_create": set(),
    "backoffice.region_token_revoke": set(),
    "backoffice.household_list": READ,
    "backoffice.household_new": PANEL,
    "backoffice.household_create": PANEL,
    "backoffice.household_detail": READ,
    "backoffice.household_edit": PANEL,
    "backoffice.household_status": PANEL,
    "backoffice.member_add": PANEL,
    "backoffice.member_edit": PANEL,
    "backoffice.member_remove": PANEL,
    "backoffice.head_change": PANEL,
    "backoffice.household_split": PANEL,
    "backoffice.household_merge": PANEL,
    "backoffice.who_came_setting": PANEL,
    "backoffice.query_code": PANEL,
    "backoffice.phone_settings_page": {"admin", "panel", "supervisor"},
    "backoffice.phone_settings_save": {"admin"},
    "backoffice.application_photo": READ,
    "backoffice.roster_import": PANEL,
    "backoffice.roster_import_apply": PANEL,
    "backoffice.passbook_issue": PANEL,
    "backoffice.passbook_issue_many": PANEL,
    "backoffice.passbook_revoke": PANEL,
    "backoffice.passbook_reprint": PANEL,
    "backoffice.household_pin": PANEL,
    "backoffice.opening_import": PANEL,
    "backoffice.opening_import_apply": PANEL,
    "backoffice.household_pin_unlock": {"admin", "panel", "clerk"},
    "backoffice.cards_download": PANEL,
    "backoffice.cards_discard": PANEL,
    "backoffice.statement": READ,
    "backoffice.statement_pdf": READ,
    "backoffice.statement_print": READ,
    "backoffice.rules": {"admin", "panel", "supervisor"},
    "backoffice.rule_category_add": PANEL,
    "backoffice.rule_add": PANEL,
    "backoffice.rule_active": PANEL,
    "backoffice.rule_points": PANEL,
    "backoffice.rule_follow": PANEL,
    "backoffice.award_new": PANEL,
    "backoffice.award_preview": PANEL,
    "backoffice.award_apply": PANEL,
    "backoffice.award_reverse": PANEL,
    "backoffice.applications": READ,
    "backoffice.record_page": PANEL | {"recorder"},
    "backoffice.record_submit": PANEL | {"recorder"},
    "backoffice.review_photo": PANEL | {"recorder", "supervisor"},
    "backoffice.review_page": READ,
    "backoffice.review_decide": PANEL,
    "backoffice.review_objection": PANEL | {"clerk"},
    "backoffice.review_resolve": PANEL,
    "backoffice.review_settings": PANEL,
    # Activities (活动): the panel creates and closes; sign-up by staff and the shop's clerk;
    # attendance by the panel and the group recorders at the activity.
    "backoffice.activity_list": READ | {"recorder"},
    "backoffice.activity_create": PANEL,
    "backoffice.activity_page": READ | {"recorder"},
    "backoffice.activity_signup": PANEL | {"recorder", "clerk"},
    "backoffice.activity_signup_cancel": PANEL | {"recorder", "clerk"},
    "backoffice.activity_scan": PANEL | {"recorder"},
    "backoffice.activity_ticks": PANEL | {"recorder"},
    "backoffice.activity_photos": PANEL | {"recorder"},
    "backoffice.activity_photo": READ | {"recorder"},
    "backoffice.activity_close": PANEL,
    "backoffice.activity_cancel": PANEL,
    "backoffice.staff_groups": {"admin"},
    "backoffice.journal": {"supervisor", "admin"},
    "backoffice.verify_page": {"supervisor", "admin"},
    "backoffice.verify_run": {"supervisor", "admin"},
    "backoffice.application_submit": {"admin", "panel", "clerk"},
    "backoffice.application_decide": PANEL,
    "backoffice.award_import": PANEL,
    "backoffice.award_import_apply": PANEL,
    # issue 6: goods, receiving, low stock, stocktake (volunteer; supervisor reads)
    "backoffice.product_list": STOCK_READ,
    "backoffice.product_new": VOLUNTEER,
    "backoffice.product_create": VOLUNTEER,
    "backoffice.product_edit": STOCK_READ,
    "backoffice.product_update": VOLUNTEER,
    "backoffice.product_picture_upload": VOLUNTEER,
    "backoffice.product_picture": STOCK_READ,
    "backoffice.low_stock": STOCK_READ,
    "backoffice.receiving_list": STOCK_READ,
    "backoffice.receiving_new": VOLUNTEER,
    "backoffice.receiving_lines": VOLUNTEER,
    "backoffice.receiving_create": VOLUNTEER,
    "backoffice.receiving_doc": STOCK_READ,
    "backoffice.receiving_pdf": STOCK_READ,
    "backoffice.receiving_print": VOLUNTEER,
    "backoffice.stocktake_page": STOCK_READ,
    "backoffice.stocktake_start": VOLUNTEER,
    "backoffice.stocktake_detail": STOCK_READ,
    "backoffice.stocktake_count": VOLUNTEER,
    "backoffice.stocktake_finalise": VOLUNTEER,
    "backoffice.stocktake_cancel": VOLUNTEER,
    # issue 6: the clerk's receipts, reprint, void and day close (supervisor reads)
    "backoffice.receipts": CLERK_READ,
    "backoffice.receipt_detail": CLERK_READ,
    "backoffice.receipt_reprint": CLERK,
    "backoffice.receipt_void": CLERK,
    "backoffice.dayclose_page": CLERK_READ,
    "backoffice.dayclose_close": CLERK,
    "backoffice.dayclose_download": CLERK_READ,
    "backoffice.dayclose_print": CLERK,
    # issue 6: redemption windows (panel and admin) and per-household limits (admin)
    "backoffice.windows_page": {"admin", "panel", "supervisor"},
    "backoffice.window_add": PANEL,
    "backoffice.window_quarters": PANEL,
    "backoffice.windows_always_open": PANEL,
    "backoffice.limits_page": {"admin", "panel", "supervisor"},
    "backoffice.limit_set": {"admin"},
    # issue 12: reports (read-only; the supervision panel produces them too)
    "backoffice.reports_home": ALL,
    "backoffice.notice_page": READ,
    "backoffice.notice_file": READ,
    "backoffice.ranking_page": READ,
    "backoffice.ranking_file": READ,
    "backoffice.year_end_page": READ,
    "backoffice.year_end_file": READ,
    "backoffice.balances_file": READ,
    "backoffice.awards_file": READ,
    "backoffice.redemptions_file": READ,
    "backoffice.donor_page": {"admin", "clerk", "volunteer", "supervisor"},
    "backoffice.donor_file": {"admin", "clerk", "volunteer", "supervisor"},
    # issue 11: the kiosk's voice, and the village's own recordings of it
    "backoffice.voice_page": {"admin", "panel", "supervisor"},
    "backoffice.voice_clip": {"admin", "panel", "supervisor"},
    "backoffice.voice_audio": {"admin", "panel", "supervisor"},
    "backoffice.voice_record": PANEL,
    "backoffice.voice_reset": PANEL,
}


def backoffice_routes(app):
    """(endpoint, method, path) for every back-office route, ids filled with 1, logout last."""
    routes = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/backoffice"):
            continue
        path = re.sub(
            r"<(?:\w+:)?(\w+)>", lambda m: "x1" if m.group(1) == "token" else "1", rule.rule
        )
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            routes.append((rule.endpoint, method, path))
    return sorted(routes, key=lambda r: (r[0] == "backoffice.logout", r))


def test_every_route_is_in_the_table_and_declares_its_roles(app):
    endpoints = {e for e, _m, _p in backoffice_routes(app)}
    assert endpoints == set(EXPECTED)
    for endpoint in endpoints:
        declared = getattr(app.view_functions[endpoint], "backoffice_roles", None)
        assert declared is not None, endpoint


def test_a_route_without_declared_roles_is_refused(app):
    from kiosk.backoffice.access import _every_route_declares_its_roles

    app.add_url_rule("/backoffice/undeclared", "backoffice.undeclared", lambda: "open")
    with app.test_request_context("/backoffice/undeclared"):
        with pytest.raises(Exception) as refused:
            _every_route_declares_its_roles()
        assert getattr(refused.value, "code", None) == 403


def _visit(client: StaffClient, method: str, path: str):
    if method == "GET":
        return client.get(path)
    return client.post(path, {})


@pytest.mark.parametrize("role", [None, *ROLES])
def test_every_route_by_every_role_is_allowed_or_refused(staff_client, app, role):
    client = staff_client(role)
    checked = 0
    for endpoint, method, path in backoffice_routes(app):
        allowed = EXPECTED[endpoint]
        response = _visit(client, method, path)
        where = f"{role or 'anonymous'} {method} {path}: {response.status_code}"
        if allowed == PUBLIC:
            assert response.status_code in (200, 303, 401), where
        elif role is None:
            assert response.status_code == 302, where
            assert "/backoffice/login" in response.headers["Location"], where
        elif role in allowed:
            assert response.status_code not in (401, 403), where
            sent_to_sign_in = "/backoffice/login" in response.headers.get("Location", "")
            assert not (response.status_code == 302 and sent_to_sign_in), where
        else:
            assert response.status_code == 403, where
        checked += 1
    assert checked >= len(EXPECTED)


def test_a_post_without_the_csrf_token_is_refused(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    client = StaffClient(app)
    refused = client.post(
        "/backoffice/login", {"username": "admin", "password": PASSWORD}, csrf=False
    )
    assert refused.status_code == 400
    assert client.get("/backoffice/").status_code == 302  # not signed in
    assert client.login("admin").status_code == 303
    before = client.get("/backoffice/staff").text.count('id="staff-')
    refused = client.post(
        "/backoffice/staff",
        {"username": "intruder", "role": "admin", "password": "long-enough-1"},
        csrf=False,
    )
    assert refused.status_code == 400
    with app.app_context(), app.extensions["kiosk_db"].reader() as db:
        assert db.scalar(select(StaffUser).where(StaffUser.username == "intruder")) is None
    assert client.get("/backoffice/staff").text.count('id="staff-') == before


def test_failures_slow_that_name_down_but_lock_no_one_out(app, staff_client):
    """Finding 13: five wrong passwords for a name make further attempts wait (one generic
    message, whoever asks); the member's live session goes on; after the wait the right password
    works; no admin is needed and nothing is locked in the database."""
    from kiosk.backoffice.throttle import FIRST_WAIT

    now = [1000.0]
    app.extensions["kiosk_signin_throttle"] = Throttle(clock=lambda: now[0])
    live = staff_client("clerk")  # the clerk at work in another browser
    attacker = StaffClient(app)
    for n in range(5):
        response = attacker.login("clerk", "wrong-password")
        assert response.status_code == 401, n
        assert 'data-code="refused"' in response.text
    right = StaffClient(app).login("clerk", PASSWORD)
    assert right.status_code == 429 and 'data-code="refused"' in right.text
    unknown = attacker.login("nobody-here", "wrong-password")
    assert 'data-code="refused"' in unknown.text  # the same words for a name that does not exist
    assert live.get("/backoffice/households").status_code == 200  # still signed in
    with app.extensions["kiosk_db"].reader() as db:
        user = db.scalar(select(StaffUser).where(StaffUser.username == "clerk"))
        assert (user.failed_logins, user.is_locked) == (5, False)
        assert db.scalar(
            select(Journal).where(Journal.ref == "staff:clerk", Journal.memo.like("5 failed%"))
        )
    assert StaffClient(app).login("admin").status_code == 303  # other names are not held up
    now[0] += FIRST_WAIT + 1
    assert StaffClient(app).login("clerk", PASSWORD).status_code == 303


def test_four_failures_then_success_resets_the_count(staff_client, app):
    client = staff_client()
    for _ in range(4):
        assert client.login("panel", "nope-nope").status_code == 401
    assert client.login("panel").status_code == 303
    with app.extensions["kiosk_db"].reader() as db:
        assert db.scalar(select(StaffUser).where(StaffUser.username == "panel")).failed_logins == 0


def test_a_session_copied_before_logout_is_refused_after_it(app, staff_client):
    client = staff_client("panel")
    assert client.get("/backoffice/households").status_code == 200
    cookie = client.client.get_cookie("session").value
    other_browser = staff_client("panel")  # the same user signed in elsewhere
    assert client.post("/backoffice/logout").status_code == 303

    replay = app.test_client()
    replay.set_cookie("session", cookie)
    response = replay.get("/backoffice/households")
    assert response.status_code == 302 and "/backoffice/login" in response.headers["Location"]
    # Logout ended every session of that user, not only this browser's.
    assert other_browser.get("/backoffice/households").status_code == 302


def test_disabling_a_user_ends_their_sessions_at_once(app, staff_client):
    clerk = staff_client("clerk")
    assert clerk.get("/backoffice/households").status_code == 200
    admin = staff_client("admin")
    with app.extensions["kiosk_db"].reader() as db:
        clerk_id = db.scalar(select(StaffUser.id).where(StaffUser.username == "clerk"))
    assert admin.post(f"/backoffice/staff/{clerk_id}/active", {"active": "0"}).status_code == 303
    assert clerk.get("/backoffice/households").status_code == 302
    response = StaffClient(app).login("clerk")
    assert 'data-code="refused"' in response.text  # the same words as a wrong password
    with app.extensions["kiosk_db"].reader() as db:
        row = db.scalar(
            select(Journal).where(Journal.ref == "staff:clerk", Journal.memo == "disable")
        )
        assert row.actor == "staff:admin"


def test_badge_and_pin_sign_in_on_the_kiosk(app, staff_client):
    admin = staff_client("admin")
    with app.extensions["kiosk_db"].reader() as db:
        vol_id = db.scalar(select(StaffUser.id).where(StaffUser.username == "volunteer"))
    page = admin.post(f"/backoffice/staff/{vol_id}/badge", {"pin": "4711"})
    assert page.status_code == 200
    code = re.search(r'id="badge-code"[^>]*>(JB1\w+)<', page.text).group(1)

    kiosk = StaffClient(app)
    wrong = kiosk.post("/backoffice/badge", {"badge": code, "pin": "0000"})
    assert wrong.status_code == 401 and 'data-code="refused"' in wrong.text
    passbook_instead = kiosk.post("/backoffice/badge", {"badge": "JF1" + code[3:], "pin": "4711"})
    assert 'data-code="bad_badge"' in passbook_instead.text
    ok = kiosk.post("/backoffice/badge", {"badge": code.lower(), "pin": "4711"})
    assert ok.status_code == 303
    assert "volunteer-name" in kiosk.get("/backoffice/").text


def test_session_cookie_is_httponly_lax_and_secure_over_https(app):
    client = StaffClient(app)
    plain = client.post("/backoffice/login", {"username": "admin", "password": PASSWORD})
    cookie = plain.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    secure = app.test_client()
    page = secure.get("/backoffice/login", base_url="https://localhost")
    token = re.search(r'name="csrf-token" content="([^"]+)"', page.text).group(1)
    response = secure.post(
        "/backoffice/login",
        data={"username": "admin", "password": PASSWORD, "csrf_token": token},
        base_url="https://localhost",
        headers={"Referer": "https://localhost/backoffice/login"},
    )
    assert response.status_code == 303
    assert "Secure" in response.headers["Set-Cookie"]


def test_pages_render_in_chinese_by_default_and_english_on_request(staff_client):
    client = staff_client("panel")
    assert "户籍" in client.get("/backoffice/households").text
    client.post("/backoffice/lang", {"lang": "en", "next": "/backoffice/households"})
    page = client.get("/backoffice/households").text
    assert "Households" in page and "Villager group" in page
