"""The household's own phone pages: sign-in by query code, home, history, notice, ranking,
rules, goods, applications and applying with photos, elder mode, sign-out."""

from __future__ import annotations

from flask import (
    abort,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from werkzeug.exceptions import RequestEntityTooLarge

from kiosk import i18n
from kiosk.db import reading, writing
from shop import clock, households, points
from shop.errors import DomainError
from shop.phone import reads
from shop.points.models import PointsApplication, Rule
from shop.points.photos import MAX_PHOTOS
from shop.regions.models import Village
from shop.scope import Scope

from . import access
from .access import COOKIE, COOKIE_DAYS, ELDER_COOKIE, Phone
from .common import (
    bp,
    notice_month,
    ranking_rows,
    refusal,
    signed_in,
    village_notice,
    village_ranking,
)

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


@bp.get("/goods/<int:product_id>/picture")
@signed_in
def goods_picture(phone: Phone, product_id: int):
    from kiosk.screen_globals import uploaded_picture

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


@bp.errorhandler(RequestEntityTooLarge)
def _upload_too_large(_exc):
    """A body past the app's limit (MAX_CONTENT_LENGTH) is refused before it is read: say so on
    the apply page, in the villager's words, with nothing sent."""
    phone = access.current_phone()
    message = i18n.error_text("photo_too_large")
    if phone is None or request.endpoint != "phone.apply_submit":
        return refusal("photo_too_large")
    return apply_form.__wrapped__(phone, error=message, status=413)
