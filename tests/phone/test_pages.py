"""Each phone page, as a signed-in household sees it, and the pages without sign-in."""

from __future__ import annotations

from tests.phone.conftest import issue_code

PAGES = (
    "/m/",
    "/m/history",
    "/m/notice",
    "/m/ranking",
    "/m/rules",
    "/m/goods",
    "/m/applications",
    "/m/apply",
)


def test_the_query_code_link_signs_the_phone_in_and_shows_the_household(app, phone):
    code, household_id = issue_code(app)
    p = phone()
    response = p.sign_in(code)
    assert response.status_code == 303 and response.headers["Location"].endswith("/m/")
    home = p.get("/m/")
    assert home.status_code == 200
    assert 'id="balance-value"' in home.text
    assert "最近的积分" in home.text
    # The code never stays in the address: the page is /m/, and no Referer leaves with it.
    assert response.headers["Referrer-Policy"] == "no-referrer"


def test_every_household_page_answers_in_chinese_when_signed_in(app, phone):
    code, _ = issue_code(app)
    p = phone()
    p.sign_in(code)
    for path in PAGES:
        page = p.get(path)
        assert page.status_code == 200, path
        assert 'lang="zh-CN"' in page.text
        assert "default-src 'self'" in page.headers["Content-Security-Policy"]


def test_without_sign_in_every_page_says_how_to_get_in(app, phone):
    p = phone()
    for path in PAGES:
        page = p.get(path)
        assert page.status_code == 401, path
        assert "查询码" in page.text


def test_sign_out_forgets_the_household_on_this_phone_only(app, phone):
    code, _ = issue_code(app)
    mine, family = phone(), phone()
    mine.sign_in(code)
    family.sign_in(code)
    assert mine.post("/m/signout").status_code == 303
    assert mine.get("/m/").status_code == 401
    assert family.get("/m/").status_code == 200


def test_the_pages_speak_english_when_the_villager_chooses_it(app, phone):
    code, _ = issue_code(app)
    p = phone()
    p.sign_in(code)
    assert p.post("/m/lang", {"lang": "en", "next": "/m/history"}).status_code == 303
    home = p.get("/m/").text
    assert 'lang="en"' in home and "Our points" in home and "我家积分" not in home
    assert "All entries" in home
    p.post("/m/lang", {"lang": "zh_CN"})
    assert "我家积分" in p.get("/m/").text


def test_a_form_from_a_page_left_open_too_long_says_so_in_words(app, phone):
    code, _ = issue_code(app)
    p = phone()
    p.sign_in(code)
    stale = p.client.post("/m/apply", data={"rule": "1", "csrf_token": "from-yesterday"})
    assert stale.status_code == 400
    assert "打开太久了" in stale.text and "/m/" in stale.text
