"""Applying from the phone: a deed, a note and photos; the panel sees the photos; hostile files
are refused with a clear Chinese message and leave nothing behind."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import stream_encode_multipart

from shop.db import unit_of_work
from shop.models import ApplicationPhoto, PointsApplication, Rule
from tests.phone.conftest import issue_code


def _jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (2400, 1600), (40, 120, 60))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x8825] = {1: "N", 2: (30.0, 15.0, 0.0)}  # GPS latitude
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def _rule_id(app) -> int:
    with unit_of_work(app.extensions["kiosk_db"].reader) as session:
        return session.scalars(
            select(Rule.id).where(Rule.points > 0, Rule.is_active).order_by(Rule.id)
        ).first()


def _counts(app) -> tuple[int, int]:
    with unit_of_work(app.extensions["kiosk_db"].reader) as session:
        return (
            session.scalar(select(func.count(PointsApplication.id))),
            session.scalar(select(func.count(ApplicationPhoto.id))),
        )


def _signed_in(app, phone):
    code, household_id = issue_code(app)
    p = phone()
    p.sign_in(code)
    return p, household_id


def test_an_application_with_photos_reaches_the_panel_cleaned(app, phone, staff_client):
    p, household_id = _signed_in(app, phone)
    rule = _rule_id(app)
    sent = p.post(
        "/m/apply",
        {
            "rule": rule,
            "note": "帮邻居收稻子",
            "photos": [(io.BytesIO(_jpeg_with_gps()), "IMG_0001.jpg")],
        },
        token_from="/m/apply",
        content_type="multipart/form-data",
    )
    assert sent.status_code == 303 and "/m/applications" in sent.headers["Location"]
    mine = p.get("/m/applications?sent=1").text
    assert "等待评定" in mine and "帮邻居收稻子" in mine
    with unit_of_work(app.extensions["kiosk_db"].reader) as session:
        application = session.scalars(
            select(PointsApplication).order_by(PointsApplication.id.desc())
        ).first()
        photo = session.scalars(select(ApplicationPhoto)).one()
        assert application.household_id == household_id and application.rule_id == rule
        assert application.submitted_by.startswith("phone:")
        photo_id = photo.id
    cleaned = Image.open(io.BytesIO(photo.content))
    assert cleaned.format == "JPEG" and max(cleaned.size) <= 1280
    assert not cleaned.getexif()  # no camera, no GPS
    # The household sees its own photo; the panel sees it on the applications page.
    assert p.get(f"/m/applications/photos/{photo_id}.jpg").status_code == 200
    panel = staff_client("panel")
    page = panel.get("/backoffice/applications").text
    assert f"/backoffice/applications/photos/{photo_id}.jpg" in page
    shown = panel.get(f"/backoffice/applications/photos/{photo_id}.jpg")
    assert shown.status_code == 200 and shown.mimetype == "image/jpeg"


def _bomb() -> bytes:
    out = io.BytesIO()
    Image.new("1", (20000, 20000)).save(out, "PNG", optimize=True)
    return out.getvalue()


HOSTILE = {
    "svg_with_script": (
        b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.cookie)</script></svg>',
        "photo.svg",
        422,
        "图片无法识别",
    ),
    "html_named_jpg": (
        b"<html><body><script>alert(1)</script></body></html>",
        "IMG_2024.jpg",
        422,
        "图片无法识别",
    ),
    "decompression_bomb": (None, "bomb.png", 422, "图片无法识别"),
    "fifty_megabytes": (
        b"\xff\xd8\xff\xe0" + b"\0" * (50 * 1024 * 1024),
        "big.jpg",
        413,
        "照片太大",
    ),
}


@pytest.mark.parametrize("which", sorted(HOSTILE))
def test_a_hostile_upload_is_refused_in_plain_chinese_and_nothing_is_written(app, phone, which):
    content, name, status, words = HOSTILE[which]
    if content is None:
        content = _bomb()
        assert len(content) < 200_000  # small on the wire, 400 megapixels when opened
    p, _ = _signed_in(app, phone)
    before = _counts(app)
    # The body built in memory: werkzeug's test client would spool it to a file it never closes.
    body, _length, boundary = stream_encode_multipart(
        {
            "csrf_token": p.csrf("/m/apply"),
            "rule": str(_rule_id(app)),
            "photos": FileStorage(io.BytesIO(content), name),
        },
        use_tempfile=False,
    )
    refused = p.client.post(
        "/m/apply", data=body.read(), content_type=f"multipart/form-data; boundary={boundary}"
    )
    assert refused.status_code == status
    assert words in refused.text and 'id="apply-error"' in refused.text
    assert "<script>alert" not in refused.text
    assert _counts(app) == before


def test_five_photos_are_refused(app, phone):
    p, _ = _signed_in(app, phone)
    small = io.BytesIO()
    Image.new("RGB", (40, 40)).save(small, "JPEG")
    files = [(io.BytesIO(small.getvalue()), f"p{i}.jpg") for i in range(5)]
    before = _counts(app)
    refused = p.post(
        "/m/apply",
        {"rule": _rule_id(app), "photos": files},
        token_from="/m/apply",
        content_type="multipart/form-data",
    )
    assert refused.status_code == 422 and "照片最多4张" in refused.text
    assert _counts(app) == before


def test_a_photo_of_another_household_is_not_shown(app, phone):
    p, _ = _signed_in(app, phone)
    small = io.BytesIO()
    Image.new("RGB", (40, 40)).save(small, "JPEG")
    p.post(
        "/m/apply",
        {"rule": _rule_id(app), "photos": [(io.BytesIO(small.getvalue()), "a.jpg")]},
        token_from="/m/apply",
        content_type="multipart/form-data",
    )
    with unit_of_work(app.extensions["kiosk_db"].reader) as session:
        photo_id = session.scalars(select(ApplicationPhoto.id)).one()
    neighbour_code, _ = issue_code(app, number=_other_number(app))
    neighbour = phone()
    neighbour.sign_in(neighbour_code)
    assert neighbour.get(f"/m/applications/photos/{photo_id}.jpg").status_code == 404


def _other_number(app) -> str:
    from shop.models import Household

    with unit_of_work(app.extensions["kiosk_db"].reader) as session:
        return session.scalars(select(Household.number).order_by(Household.number.desc())).first()
