"""Opening a village refused for one of its names says which name, in the reader's language and
on both engines: the words the domain marks for people (村名, 村民小组) are shown beside the
refusal, translated; a detail written for the log (a code as typed) is shown in neither."""

from __future__ import annotations

import html

import pytest
from sqlalchemy import select

from shop.models import Village
from tests.district.test_region_pages import _open_form, _signed_in, world  # noqa: F401

REFUSALS = [
    (
        {"village_name": "  "},
        "请填写名称。（村名）",
        "Please fill in the name. (Village name)",
    ),
    (
        {"groups": "一组\n" + "组" * 65},
        "写的字太多了，请删短一些再保存。（村民小组）",
        "That is too long: shorten it and save again. (Villager group)",
    ),
]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_village_refused_for_a_name_says_which_name(world, lang):  # noqa: F811
    app, w = world
    admin = _signed_in(app, "tj-admin")
    if lang == "en":
        admin.post("/backoffice/lang", {"lang": "en", "next": "/backoffice/"})
    for change, zh, en in REFUSALS:
        refused = admin.post("/backoffice/region/open", {**_open_form(w["north"], "XN"), **change})
        assert refused.status_code == 422, change
        assert (zh if lang == "zh" else en) in html.unescape(refused.get_data(as_text=True))
    # The code's refusal carries the code as typed for the log ("village: 'X N'"): never shown.
    typo = admin.post("/backoffice/region/open", _open_form(w["north"], "X N"))
    page = html.unescape(typo.get_data(as_text=True))
    assert typo.status_code == 422
    assert ("编号只能用字母" if lang == "zh" else "letters, digits") in page
    assert "village:" not in page and "'X N'" not in page
    with app.extensions["kiosk_db"].reader() as db:
        assert db.scalar(select(Village).where(Village.code.in_(["XN", "X N"]))) is None
