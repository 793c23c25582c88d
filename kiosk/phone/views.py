"""The household's own phone pages: sign-in by query code, home, history, notice, ranking,
rules, goods, applications and applying with photos, elder mode, sign-out."""

from __future__ import annotations

import datetime as dt
import functools
import time

from flask import (
    Blueprint,
    abort,
    current_app,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import RequestEntityTooLarge

from kiosk import i18n
from kiosk.db import reading, writing
from shop import clock, households, points, transparency
from shop.errors import MESSAGES, DomainError
from shop.phone import reads
from shop.points.models import PointsApplication, Rule
from shop.points.photos import MAX_PHOTOS
from shop.regions.models import Village
from shop.scope import Scope
from shop.words import N_

from . import access
from .access import COOKIE, COOKIE_DAYS, ELDER_COOKIE, Phone

bp = Blueprint("phone", __name__, url_prefix="/m")

CSP = (
    "default-src 'self'; script-src 'self'; connect-src 'self'; img-src 'self' data:; "
    "style-src 'self'; media-src 'self'; font-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
# Why the points moved, when no deed names it.
ENTRY_KINDS = {
    "award": N_("加分"),
    "deduction": N_("扣分"),
    "redemption": N_("兑换商品"),
    "void": N_("小票作废，积分退回"),
    "year_end": N_("年终积分处理"),
    "genesis": N_("期初积分"),
}
RANKING_SHOWN = 50  # places on the phone's ranking; the household's own place always shows
APPLICATION_STATES = {
    "pending": N_("等待评定"),
    "approved": N_("已通过"),
    "rejected": N_("未通过"),
}


@bp.after_request
def _phone_headers(response):
    # No outside requests; the sign-in link (with its code) never leaves as a Referer.
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    response.headers.setdefault("Cache-Control", "no-store")
    return response


@bp.app_template_global()
def phone_entry(entry) -> str:
    """Why the points moved: the deed's name, else what happened (with the receipt number)."""
    if entry.rule is not None:
        return i18n.rule_name(entry.rule)
    kind = entry.journal.kind
    label = _(ENTRY_KINDS[kind]) if kind in ENTRY_KINDS else (entry.journal.memo or "")
    if kind in ("redemption", "void") and entry.journal.ref:
        return f"{label} {entry.journal.ref}"
    if kind in ("award", "deduction") and entry.journal.memo:
        return f"{label}：{entry.journal.memo}"
    return label


@bp.app_template_global()
def phone_state(state: str) -> str:
    return _(APPLICATION_STATES.get(state, state))


@bp.app_template_global()
def phone_day(moment) -> str:
    if moment is None:
        return ""
    if hasattr(moment, "hour"):
        moment = clock.local(moment).date()
    return i18n.day(moment)


def notice_month() -> tuple[int, int, bool]:
    """This month's notice as it stands, or last month's (?last=1), which no longer changes."""
    today = clock.today()
    if request.args.get("last") == "1":
        last = today.replace(day=1) - dt.timedelta(days=1)
        return last.year, last.month, True
    return today.year, today.month, False


RANKING_TTL_S = 60


def village_ranking(session, village_id: int, year: int):
    """The village's ranking for a year, computed at most once a minute per village: many
    phones open it at once after a notice goes up, and a ranking a minute old is still true
    enough for a phone (the kiosk and the back-office compute their own)."""
    cache = current_app.extensions.setdefault("phone_rankings", {})
    key = (village_id, year)
    found = cache.get(key)
    now = time.monotonic()
    if found and now - found[0] < RANKING_TTL_S:
        return found[1]
    made = transparency.annual_ranking(session, village_id, year, clock.zone())
    cache[key] = (now, made)
    return made


def village_notice(session, village_id: int, year: int, month: int):
    """The village's monthly notice, shared by phones for a minute like the ranking (it lists
    every household: a large village takes a while to read)."""
    cache = current_app.extensions.setdefault("phone_notices", {})
    key = (village_id, year, month)
    found = cache.get(key)
    now = time.monotonic()
    if found and now - found[0] < RANKING_TTL_S:
        return found[1]
    made = transparency.monthly_notice(session, village_id, year, month, clock.zone())
    cache[key] = (now, made)
    return made


def ranking_rows(made) -> list:
    """The top places with points (a tie at the last place keeps everyone tied, but never more
    than twice the places: a new year where nobody has points yet lists nobody)."""
    return [r for r in made.top(RANKING_SHOWN) if r.points != 0][: RANKING_SHOWN * 2]


def refusal(exc: DomainError | str, status: int | None = None):
    code = exc if isinstance(exc, str) else exc.code
    return (
        render_template("phone/refused.html", message=i18n.error_text(exc), code=code),
        status or MESSAGES[code][0],
    )


def signed_in(view):
    """A household page: the phone must be signed in (else the page that says how)."""

    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        phone = access.current_phone()
        if phone is None:
            response = make_response(render_template("phone/signin.html"), 401)
            if request.cookies.get(COOKIE):
                response.delete_cookie(COOKIE, path="/m")  # revoked or forged: forget it
            return response
        return view(phone, *args, **kwargs)

    return wrapped


# --- sign-in and out ------------------------------------------------------------------------


@bp.get("/c/<code>")
def sign_in(code: str):
    """The link in the query code's QR: sign this phone in as the household, then its home."""
    wrong, signins = access.limits()
    client = access.client_key()
    if wrong.exceeded(client):
        return refusal("too_many_tries")
    try:
        with reading(Scope.everything()) as session:  # who the caller is: the operator's lookup
            found = households.lookup_query_code(session, code[:64])
            phone = Phone(found.household_id, found.village_id, found.id)
    except DomainError as exc:
        wrong.add(client)
        return refusal(exc)
    if signins.exceeded(f"household:{phone.household_id}"):
        return refusal("too_many_tries")
    signins.add(f"household:{phone.household_id}")
    response = redirect(url_for("phone.home"), 303)
    response.set_cookie(
        COOKIE,
        access.cookie_value(phone),
        max_age=COOKIE_DAYS * 86400,
        path="/m",
        httponly=True,
        samesite="Lax",
        secure=request.is_secure,
    )
    return response


@bp.post("/signout")
def sign_out():
    response = redirect(url_for("phone.home"), 303)
    response.delete_cookie(COOKIE, path="/m")
    return response


@bp.post("/elder")
def elder_mode():
    """长辈版 on or off: remembered on this phone."""
    on = request.form.get("on") == "1"
    response = redirect(url_for("phone.home"), 303)
    response.set_cookie(
        ELDER_COOKIE, "1" if on else "0", max_age=COOKIE_DAYS * 86400, path="/m", samesite="Lax"
    )
    return response


@bp.post("/lang")
def switch_language():
    from flask import session

    session[i18n.SESSION_KEY] = "en" if request.form.get("lang") == "en" else "zh_CN"
    back = request.form.get("next", "")
    return redirect(
        back if back.startswith("/m") and "//" not in back else url_for("phone.home"), 303
    )


# --- the household's pages ------------------------------------------------------------------


def _village(session, village_id: int) -> Village:
    found = session.get(Village, village_id)
    if found is None:
        abort(404)
    return found


@bp.get("/")
@signed_in
def home(phone: Phone):
    with reading() as session:
        made = reads.home(session, phone.household_id)
        village = _village(session, phone.village_id)
        elder = access.is_elder()
        return render_template(
            "phone/elder.html" if elder else "phone/home.html",
            home=made,
            h=made.household,
            village=village,
            page="elder" if elder else "home",
        )


@bp.get("/history")
@signed_in
def history(phone: Phone):
    page = max(1, request.args.get("page", 1, type=int) or 1)
    with reading() as session:
        h = reads.household(session, phone.household_id)
        entries, more = reads.history(session, phone.household_id, page)
        return render_template(
            "phone/history.html", h=h, entries=entries, more=more, page_no=page, page="history"
        )


@bp.get("/notice")
@signed_in
def notice(phone: Phone):
    year, month, last = notice_month()
    with reading() as session:
        h = reads.household(session, phone.household_id)
        made = village_notice(session, phone.village_id, year, month)
        return render_template(
            "phone/notice.html",
            h=h,
            notice=made,
            mine=h.id,
            masked=False,
            last=last,
            page="notice",
        )


@bp.get("/ranking")
@signed_in
def ranking(phone: Phone):
    today = clock.today()
    with reading() as session:
        h = reads.household(session, phone.household_id)
        made = village_ranking(session, phone.village_id, today.year)
        rows = ranking_rows(made)
        own = [r for r in made.rows if r.household_id == h.id and r not in rows]
        return render_template(
            "phone/ranking.html",
            h=h,
            ranking=made,
            rows=rows,
            own=own,
            mine=h.id,
            masked=False,
            page="ranking",
        )


@bp.get("/rules")
@signed_in
def rules(phone: Phone):
    with reading() as session:
        h = reads.household(session, phone.household_id)
        catalog = reads.rules(session, phone.village_id)
        return render_template("phone/rules.html", h=h, catalog=catalog, page="rules")


@bp.get("/goods")
@signed_in
def goods(phone: Phone):
    with reading() as session:
        h = reads.household(session, phone.household_id)
        products = reads.goods(session, phone.village_id)
        windows = reads.windows_ahead(session, phone.village_id)
        return render_template(
            "phone/goods.html", h=h, products=products, windows=windows, page="goods"
        )


@bp.app_template_global()
def phone_goods_picture(product) -> str:
    """A product's picture: the demo's drawings are static files, uploaded ones come through
    this blueprint (the phone's village only)."""
    picture = product.picture or "goods/_default.svg"
    if not picture.startswith("pictures/"):
        return url_for("static", filename=picture)
    return url_for("phone.goods_picture", product_id=product.id)


@bp.get("/goods/<int:product_id>/picture")
@signed_in
def goods_picture(phone: Phone, product_id: int):
    from kiosk.screen_kit import uploaded_picture

    return uploaded_picture(product_id)


@bp.get("/applications")
@signed_in
def applications(phone: Phone):
    with reading() as session:
        h = reads.household(session, phone.household_id)
        apps, photos = reads.applications(session, phone.household_id)
        return render_template(
            "phone/applications.html", h=h, apps=apps, photos=photos, page="applications"
        )


@bp.get("/apply")
@signed_in
def apply_form(phone: Phone, *, error: str | None = None, status: int = 200, chosen=None):
    with reading() as session:
        h = reads.household(session, phone.household_id)
        catalog = reads.rules(session, phone.village_id, earning_only=True)
        body = render_template(
            "phone/apply.html",
            h=h,
            catalog=catalog,
            error=error,
            chosen=chosen,
            max_photos=MAX_PHOTOS,
            page="apply",
        )
    return body, status


@bp.post("/apply")
@signed_in
def apply_submit(phone: Phone):
    rule_id = request.form.get("rule", type=int)
    note = request.form.get("note", "")
    uploads = [f for f in request.files.getlist("photos") if f and f.filename]
    try:
        if rule_id is None:
            raise DomainError("unknown_rule", "none chosen")
        if len(uploads) > MAX_PHOTOS:
            raise DomainError("too_many_photos", str(len(uploads)))
        photos = [f.read() for f in uploads]
        with writing() as session:
            h = reads.household(session, phone.household_id)
            rule = session.get(Rule, rule_id)
            if rule is None or rule.points <= 0 or not rule.is_active:
                raise DomainError("unknown_rule", str(rule_id))
            points.submit_application(
                session, h, rule, memo=note, actor=f"phone:{h.number}", photos=photos
            )
    except DomainError as exc:
        return apply_form.__wrapped__(
            phone, error=i18n.error_text(exc), status=exc.status, chosen=rule_id
        )
    return redirect(url_for("phone.applications", sent=1), 303)


@bp.get("/applications/photos/<int:photo_id>.jpg")
@signed_in
def application_photo(phone: Phone, photo_id: int):
    with reading() as session:
        try:
            photo = points.application_photo(session, photo_id)
        except DomainError:
            abort(404)
        app = session.get(PointsApplication, photo.application_id)
        if app is None or app.household_id != phone.household_id:
            abort(404)  # another household's photo, even of this village
        content = photo.content
    response = make_response(content)
    response.headers["Content-Type"] = "image/jpeg"
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response


@bp.errorhandler(DomainError)
def _domain_error(exc: DomainError):
    return refusal(exc)


@bp.errorhandler(CSRFError)
def _stale_form(_exc):
    """A form from a page left open past its session (the phone slept for a day): say so in
    words, with the way home, nothing sent."""
    return refusal("phone_page_stale")


@bp.errorhandler(RequestEntityTooLarge)
def _upload_too_large(_exc):
    """A body past the app's limit (MAX_CONTENT_LENGTH) is refused before it is read: say so on
    the apply page, in the villager's words, with nothing sent."""
    phone = access.current_phone()
    message = i18n.error_text("photo_too_large")
    if phone is None or request.endpoint != "phone.apply_submit":
        return refusal("photo_too_large")
    return apply_form.__wrapped__(phone, error=message, status=413)
