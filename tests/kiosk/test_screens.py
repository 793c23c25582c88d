"""The villager's screens through the Flask client: full pages, htmx fragments, every error."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from kiosk.db import Database, get_db
from shop import points, stock
from shop.db import unit_of_work
from shop.households import codes
from shop.models import Household, Journal, PrintJob, Product, Redemption, ScanEvent

from .conftest import KioskClient, screen_of


def _db(app):
    with app.app_context():
        return get_db()


def _product_id(app, sku: str) -> int:
    with _db(app).reader() as session:
        return session.scalar(select(Product.id).where(Product.sku == sku))


def _household(app, number: str) -> Household:
    with _db(app).reader() as session:
        return session.scalar(select(Household).where(Household.number == number))


# --- pages and fragments ----------------------------------------------------------------------


def test_waiting_screen_is_a_full_chinese_page_with_no_outside_resources(kiosk):
    response = kiosk.get("/", htmx=False)
    assert response.status_code == 200
    assert '<html lang="zh-CN">' in response.text
    assert "请扫积分存折" in response.text
    assert screen_of(response) == ("waiting", None)
    assert "HX-Request" in response.headers["Vary"]
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert not re.search(r'(src|href)="(https?:)?//', response.text)


def test_htmx_request_gets_the_screen_fragment_and_history_restore_the_page(kiosk):
    fragment = kiosk.get("/")
    assert fragment.text.lstrip().startswith('<section id="screen"')
    assert "<html" not in fragment.text
    assert "HX-Request" in fragment.headers["Vary"]
    restore = kiosk.get("/", **{"HX-History-Restore-Request": "true"})
    assert "<html" in restore.text


def test_wedge_scan_opens_the_household_and_records_the_scan_by_hash(app, kiosk, passbooks):
    row = passbooks["rich"]
    response = kiosk.scan(row["存折二维码"])
    assert response.status_code == 200
    assert screen_of(response) == ("household", None)
    assert f'id="balance" aria-label="积分余额: {row["积分余额"]}"' in response.text
    assert row["户主"] in response.text and row["户号"] in response.text
    assert response.headers["HX-Trigger"] == '{"kiosk-sound": "scan"}'
    assert response.text.count('class="entry"') > 0
    for sku in ("XYY-2KG", "SZ-1"):
        assert f'data-sku="{sku}"' in response.text
    with _db(app).reader() as session:
        event = session.scalars(select(ScanEvent).order_by(ScanEvent.id.desc())).first()
    assert (event.outcome, event.source) == ("ok", "wedge")
    assert event.code_hash == codes.code_hash(row["存折二维码"])


@pytest.mark.parametrize(
    ("which", "code", "status"),
    [
        ("unknown", "unknown_code", 404),
        ("junk", "unknown_code", 404),
        ("damaged", "damaged_code", 422),
        ("lost", "passbook_revoked", 410),
        ("paused", "household_inactive", 409),
    ],
)
def test_each_bad_scan_has_its_own_screen_and_is_recorded(
    app, kiosk, passbooks, which, code, status
):
    good = passbooks["rich"]["存折二维码"]
    raw = {
        "unknown": codes.new_code(),
        "junk": "hello kiosk 12345",
        "damaged": good[:-1] + ("0" if good[-1] != "0" else "1"),
        "lost": passbooks["lost"]["存折二维码"],
        "paused": passbooks["paused"]["存折二维码"],
    }[which]
    response = kiosk.scan(raw)
    assert response.status_code == status
    assert screen_of(response) == ("error", code)
    assert 'id="way-back"' in response.text
    assert response.headers["HX-Trigger"] == '{"kiosk-sound": "error"}'
    with _db(app).reader() as session:
        event = session.scalars(select(ScanEvent).order_by(ScanEvent.id.desc())).first()
        stored = session.scalars(select(ScanEvent.code_hash)).all()
    assert event.outcome == code
    assert raw not in stored and all(len(h) == 64 for h in stored)


# --- basket -----------------------------------------------------------------------------------


def test_a_household_below_zero_hears_how_many_points_it_still_needs(app, kiosk, passbooks):
    """A deduction took the household below zero: a tap on any goods is refused with 还差N分
    (the price minus the balance), and nothing goes in the basket."""
    row = passbooks["poor"]
    with unit_of_work(_db(app).writer) as session:
        household = session.scalar(select(Household).where(Household.number == row["户号"]))
        points.award_points(session, household, delta=-(household.balance + 20), actor="t")
    visit = kiosk.nonce(kiosk.scan(row["存折二维码"]))
    salt = _product_id(app, "Y-500")  # 3 points
    refused = kiosk.take(visit, salt)
    assert "积分不够，还差23分" in refused.text
    assert '<dd id="basket-count">0</dd>' in refused.text
    assert refused.headers["HX-Trigger"] == '{"kiosk-sound": "error"}'


def test_goods_taps_update_the_goods_and_the_basket_bar_out_of_band(app, kiosk, passbooks):
    row = passbooks["rich"]
    visit = kiosk.nonce(kiosk.scan(row["存折二维码"]))
    soap = _product_id(app, "FZ-1")
    kiosk.take(visit, soap)
    response = kiosk.take(visit, soap)
    assert response.text.lstrip().startswith('<div id="goods"')
    assert 'id="basket-bar" class="basket-bar" hx-swap-oob="true"' in response.text
    assert '<dd id="basket-total">10</dd>' in response.text
    assert f'<dd id="basket-remaining">{int(row["积分余额"]) - 10}</dd>' in response.text
    response = kiosk.take(visit, soap, -1)
    assert '<dd id="basket-count">1</dd>' in response.text


def test_basket_cannot_exceed_the_balance(app, kiosk, passbooks):
    row = passbooks["poor"]
    balance = int(row["积分余额"])
    visit = kiosk.nonce(kiosk.scan(row["存折二维码"]))
    salt = _product_id(app, "Y-500")  # 3 points
    for _ in range(balance // 3):
        kiosk.take(visit, salt)
    refused = kiosk.take(visit, salt)
    assert f'<dd id="basket-count">{balance // 3}</dd>' in refused.text
    assert "积分不够" in refused.text
    assert refused.headers["HX-Trigger"] == '{"kiosk-sound": "error"}'
    oil = _product_id(app, "JY-5L")  # 80 points: more than the poor household has left
    assert re.search(rf'id="goods-{oil}-take" data-tap="1"\s*disabled', refused.text)
    assert re.search(rf'id="goods-{oil}-plus" data-tap="1"\s*disabled', refused.text)


def test_basket_cannot_exceed_the_stock(app, kiosk, passbooks):
    visit = kiosk.nonce(kiosk.scan(passbooks["rich"]["存折二维码"]))
    broom = _product_id(app, "SZ-1")
    with _db(app).reader() as session:
        on_hand = session.get(Product, broom).on_hand
    for _ in range(on_hand):
        kiosk.take(visit, broom)
    refused = kiosk.take(visit, broom)
    assert f'<output class="step-qty" id="goods-{broom}-qty"' in refused.text
    assert "这件商品没货了" in refused.text
    assert re.search(rf'id="goods-{broom}-qty"[^>]*>{on_hand}<', refused.text)


def test_an_empty_basket_cannot_be_confirmed(kiosk, passbooks):
    scanned = kiosk.scan(passbooks["rich"]["存折二维码"])
    assert re.search(r'id="review"[^>]*\n[^>]*\n\s*disabled', scanned.text)
    visit = kiosk.nonce(scanned)
    response = kiosk.post("/review", {"visit": visit})
    assert response.status_code == 422
    assert screen_of(response) == ("household", None)
    assert "还没有选商品" in response.text
    stale = kiosk.post("/confirm", {"visit": visit, "key": "kq-empty-0001"})
    assert screen_of(stale) == ("household", None)


# --- confirm and done ---------------------------------------------------------------------------


def _to_confirm(app, kiosk, row, skus=("FZ-1",)):
    visit = kiosk.nonce(kiosk.scan(row["存折二维码"]))
    for sku in skus:
        kiosk.take(visit, _product_id(app, sku))
    review = kiosk.post("/review", {"visit": visit})
    assert screen_of(review) == ("confirm", None)
    signature = re.search(r'name="basket" value="(\w+)"', review.text).group(1)
    return visit, signature


def _redemptions(app, number: str) -> list[Redemption]:
    with _db(app).reader() as session:
        return list(
            session.scalars(
                select(Redemption)
                .join(Household, Household.id == Redemption.household_id)
                .where(Household.number == number)
            )
        )


def test_confirm_makes_one_redemption_prints_it_and_shows_receipt_and_balance(
    app, kiosk, passbooks
):
    row = passbooks["rich"]
    before = len(_redemptions(app, row["户号"]))
    visit, signature = _to_confirm(app, kiosk, row, ("FZ-1", "YG-1"))
    done = kiosk.post("/confirm", {"visit": visit, "key": "kq-route-0001", "basket": signature})
    assert screen_of(done) == ("done", None)
    assert done.headers["HX-Trigger"] == '{"kiosk-sound": "done"}'
    # The done screen shows at once and asks for its receipt as it appears.
    assert 'data-print="pending"' in done.text and 'hx-trigger="load"' in done.text
    printed = kiosk.post("/print", {"visit": visit})
    assert 'data-print="printed"' in printed.text and "请取走小票" in printed.text
    again = kiosk.post("/print", {"visit": visit})
    assert 'data-print="printed"' in again.text
    made = _redemptions(app, row["户号"])
    assert len(made) == before + 1
    receipt = max(made, key=lambda r: r.id)
    assert f'<dd id="receipt-no">{receipt.receipt_no}</dd>' in done.text
    assert receipt.balance_after == int(row["积分余额"]) - 13
    assert f">{receipt.balance_after}</dd>" in done.text
    with _db(app).reader() as session:
        jobs = session.scalars(select(PrintJob).where(PrintJob.redemption_id == receipt.id)).all()
    assert [(j.state, j.kind) for j in jobs] == [("printed", "receipt")]
    assert receipt.print_state == "printed"
    with _db(app).reader() as session:
        verify = session.scalar(select(Journal.hash).where(Journal.id == receipt.journal_id))[:10]
    preview = list(Path(app.instance_path).glob(f"receipts/receipt-{receipt.receipt_no}*.txt"))
    assert preview and verify in preview[0].read_text()


def test_a_double_tap_or_resubmit_with_the_same_key_makes_one_redemption(app, passbooks):
    row = passbooks["active"][3]
    first_tab = KioskClient(app)
    visit, signature = _to_confirm(app, first_tab, row)
    before = len(_redemptions(app, row["户号"]))
    # The second tap of a double tap carries the cookie from before the first one's answer.
    cookie = first_tab.client.get_cookie("kiosk_session").value
    body = {"visit": visit, "key": "kq-double-0001", "basket": signature}
    one = first_tab.post("/confirm", body)
    second_tab = KioskClient(app)
    second_tab.client.set_cookie("kiosk_session", cookie)
    second_tab.csrf = first_tab.csrf
    two = second_tab.post("/confirm", body)
    three = first_tab.post("/confirm", body)
    four = second_tab.post("/print", {"visit": visit})
    five = first_tab.post("/print", {"visit": visit})
    answers = (one, two, three, four, five)
    numbers = {re.search(r'id="receipt-no">([\w-]+)<', r.text).group(1) for r in answers}
    assert len(numbers) == 1
    assert len(_redemptions(app, row["户号"])) == before + 1
    with _db(app).reader() as session:
        jobs = session.execute(
            select(PrintJob.state, PrintJob.attempts)
            .join(Redemption, Redemption.id == PrintJob.redemption_id)
            .where(Redemption.receipt_no == numbers.pop())
        ).all()
    assert [tuple(job) for job in jobs] == [("printed", 1)]  # printed once, too


def test_a_basket_changed_after_the_confirm_screen_is_not_redeemed(app, kiosk, passbooks):
    row = passbooks["rich"]
    before = len(_redemptions(app, row["户号"]))
    visit, _ = _to_confirm(app, kiosk, row)
    response = kiosk.post("/confirm", {"visit": visit, "key": "kq-stale-0001", "basket": "0" * 16})
    assert screen_of(response) == ("confirm", None)
    assert len(_redemptions(app, row["户号"])) == before


def _tile(response, sku: str) -> str:
    """One goods tile of a screen, from its <article> to the next."""
    return re.search(rf'<article [^>]*data-sku="{sku}".*?</article>', response.text, re.S).group(0)


def test_points_deducted_before_confirm_trim_the_basket_and_the_bar_says_so(app, kiosk, passbooks):
    row = passbooks["rich"]
    visit, signature = _to_confirm(app, kiosk, row, ("FZ-1", "FZ-1", "FZ-1"))
    with _db(app).writer() as session, session.begin():
        household = session.scalar(select(Household).where(Household.number == row["户号"]))
        points.award_points(session, household, delta=-(household.balance - 12), actor="test")
    response = kiosk.post("/confirm", {"visit": visit, "key": "kq-poor-0001", "basket": signature})
    assert response.status_code == 409
    assert screen_of(response) == ("household", None)
    assert response.headers["HX-Trigger"] == '{"kiosk-sound": "error"}'
    assert "积分不够，肥皂已改为2块" in response.text
    assert '<dd id="basket-count">2</dd>' in response.text
    assert '<dd id="basket-remaining">2</dd>' in response.text
    # Goods the household can afford are never marked 积分不够; those it cannot afford are.
    for sku in ("Y-500", "YG-1"):
        assert "积分不够" not in _tile(response, sku)
    assert "积分不够" in _tile(response, "JY-5L")
    # The refused basket cannot be sent again: the old confirm form shows the goods instead.
    again = kiosk.post("/confirm", {"visit": visit, "key": "kq-poor-0001", "basket": signature})
    assert screen_of(again) == ("household", None)
    assert _redemptions(app, row["户号"]) == [] or all(
        r.idempotency_key != "kq-poor-0001" for r in _redemptions(app, row["户号"])
    )
    review = kiosk.post("/review", {"visit": visit})
    assert screen_of(review) == ("confirm", None)
    assert '<dd id="confirm-total">10</dd>' in review.text


def test_the_last_broom_taken_meanwhile_trims_the_line_to_what_is_left(app, kiosk, passbooks):
    visit, signature = _to_confirm(app, kiosk, passbooks["rich"], ("SZ-1", "SZ-1"))
    with _db(app).writer() as session, session.begin():
        broom = session.scalar(select(Product).where(Product.sku == "SZ-1"))
        stock.adjust_stock(session, broom, -(broom.on_hand - 1), actor="test", reason="盘亏")
    response = kiosk.post("/confirm", {"visit": visit, "key": "kq-stock-0001", "basket": signature})
    assert screen_of(response) == ("household", None)
    assert "扫帚只剩1把，已改为1把" in response.text
    assert 'data-qty="1"' in _tile(response, "SZ-1")
    with _db(app).writer() as session, session.begin():
        broom = session.scalar(select(Product).where(Product.sku == "SZ-1"))
        stock.adjust_stock(session, broom, -broom.on_hand, actor="test", reason="盘亏")
    review = kiosk.post("/review", {"visit": visit})
    assert screen_of(review) == ("household", None)
    assert "扫帚没货了，已从篮子里拿掉" in review.text
    assert '<dd id="basket-count">0</dd>' in review.text


def test_a_printer_failure_never_undoes_the_redemption_and_queues_a_reprint(make_app, passbooks):
    app = make_app(PRINTER="tcp://127.0.0.1:9?timeout=1")
    kiosk = KioskClient(app)
    row = passbooks["rich"]
    visit, signature = _to_confirm(app, kiosk, row)
    kiosk.post("/confirm", {"visit": visit, "key": "kq-printer-0001", "basket": signature})
    done = kiosk.post("/print", {"visit": visit})
    assert screen_of(done) == ("done", "printer_offline")
    assert done.headers["HX-Trigger"] == '{"kiosk-sound": "error"}'
    reloaded = kiosk.get("/", htmx=False)
    assert screen_of(reloaded) == ("done", "printer_offline")
    assert 'data-print="failed"' in done.text
    assert 'class="receipt-paper"' in done.text
    receipt = max(_redemptions(app, row["户号"]), key=lambda r: r.id)
    assert (receipt.state, receipt.print_state) == ("completed", "failed")
    assert _household(app, row["户号"]).balance == int(row["积分余额"]) - 5
    with _db(app).reader() as session:
        job = session.scalar(select(PrintJob).where(PrintJob.redemption_id == receipt.id))
    assert (job.state, job.error, job.attempts) == ("failed", "printer_offline", 1)


def test_database_unreachable_has_its_own_screen(app, kiosk, passbooks):
    real = app.extensions["kiosk_db"]
    app.extensions["kiosk_db"] = Database.connect("sqlite:////nonexistent/dir/kiosk.db")
    try:
        response = kiosk.scan(passbooks["rich"]["存折二维码"])
        waiting = kiosk.get("/")  # the waiting screen needs no database
    finally:
        app.extensions["kiosk_db"].engine.dispose()
        app.extensions["kiosk_db"] = real
    assert response.status_code == 503
    assert screen_of(response) == ("error", "database_unavailable")
    assert screen_of(waiting) == ("waiting", None)


# --- visits ---------------------------------------------------------------------------------------


def test_a_new_passbook_switches_households_and_old_forms_are_refused(app, kiosk, passbooks):
    first, second = passbooks["active"][0], passbooks["active"][1]
    old_visit = kiosk.nonce(kiosk.scan(first["存折二维码"]))
    kiosk.take(old_visit, _product_id(app, "FZ-1"))
    assert screen_of(kiosk.scan(second["存折二维码"])) == ("switch", None)  # goods chosen: ask
    switched = kiosk.post("/switch", {"visit": old_visit, "answer": "yes"})
    assert f'data-household="{second["户号"]}"' in switched.text
    assert '<dd id="basket-count">0</dd>' in switched.text
    stale = kiosk.take(old_visit, _product_id(app, "FZ-1"))
    assert f'data-household="{second["户号"]}"' in stale.text
    assert '<dd id="basket-count">0</dd>' in stale.text


def test_the_same_passbook_again_keeps_the_basket(app, kiosk, passbooks):
    row = passbooks["rich"]
    visit = kiosk.nonce(kiosk.scan(row["存折二维码"]))
    kiosk.take(visit, _product_id(app, "FZ-1"))
    again = kiosk.scan(row["存折二维码"])
    assert kiosk.nonce(again) == visit
    assert '<dd id="basket-count">1</dd>' in again.text


def test_reset_forgets_the_household(kiosk, passbooks):
    kiosk.scan(passbooks["rich"]["存折二维码"])
    assert screen_of(kiosk.post("/reset")) == ("waiting", None)
    assert screen_of(kiosk.get("/")) == ("waiting", None)


def test_the_server_forgets_a_visit_the_page_left_idle(app, kiosk, passbooks):
    kiosk.scan(passbooks["rich"]["存折二维码"])
    with kiosk.client.session_transaction() as session:
        visit = dict(session["visit"], t=time.time() - 3600)
        session["visit"] = visit
    assert screen_of(kiosk.get("/")) == ("waiting", None)


def test_language_switch_is_one_tap_and_lasts_one_visit(kiosk, passbooks):
    kiosk.scan(passbooks["rich"]["存折二维码"])
    switched = kiosk.post("/lang", {"lang": "en"})
    assert (switched.status_code, switched.headers["HX-Refresh"]) == (204, "true")
    page = kiosk.get("/", htmx=False)
    assert '<html lang="en">' in page.text and "Your points" in page.text
    assert "Laundry liquid" in page.text and "pts" in page.text
    kiosk.post("/reset")
    assert "请扫积分存折" in kiosk.get("/").text


def test_a_plain_post_of_the_language_redirects_with_303(kiosk):
    response = kiosk.post("/lang", {"lang": "en"}, htmx=False)
    assert (response.status_code, response.headers["Location"]) == (303, "/")


def test_sound_toggle_swaps_itself_and_sounds_can_be_off_entirely(make_app):
    kiosk = KioskClient(make_app())
    toggled = kiosk.post("/sound")
    assert 'id="sound-toggle" data-sounds="off"' in toggled.text
    quiet = KioskClient(make_app(SOUNDS=False))
    assert 'data-sounds="off" hidden' in quiet.get("/").text


def test_posts_without_the_csrf_token_are_refused_with_a_screen(kiosk, passbooks):
    response = kiosk.client.post(
        "/scan", data={"code": passbooks["rich"]["存折二维码"]}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 400
    assert screen_of(response) == ("error", "session_expired")
    assert 'href="/"' in response.text


def test_every_screen_control_has_a_name_and_targets_are_big(app, kiosk, passbooks):
    row = passbooks["rich"]
    household = kiosk.scan(row["存折二维码"])
    for button in re.findall(r"<button\b.*?</button>", household.text, re.S):
        label = re.search(r'aria-label="([^"]+)"', button)
        text = re.sub(r"<[^>]+>", "", button.split(">", 1)[1]).strip()
        assert (label and label.group(1).strip()) or text, button
    css = Path(app.static_folder) / "kiosk/kiosk.css"
    assert "--target: 64px" in css.read_text()


def test_english_screens_are_fully_translated_back_to_chinese(app, kiosk, passbooks):
    """Every string of the Chinese screens comes from the catalog (no English left over)."""
    scanned = kiosk.scan(passbooks["rich"]["存折二维码"])
    visible = re.sub(r"<[^>]+>", " ", scanned.text)
    leftovers = [
        w for w in ("Your points", "Latest points", "Next", "Basket", "Finish") if w in visible
    ]
    assert not leftovers


def test_scan_errors_forget_the_household_shown_before(app, kiosk, passbooks):
    kiosk.scan(passbooks["rich"]["存折二维码"])
    kiosk.scan(passbooks["lost"]["存折二维码"])
    assert screen_of(kiosk.get("/")) == ("waiting", None)


def test_with_unit_of_work_helper_db_is_reachable(app):
    with app.app_context(), unit_of_work(get_db().reader) as session:
        assert session.scalar(select(func.count(Household.id))) == 60
