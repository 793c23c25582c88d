"""Reissuing a passbook on a thermal printer that fails never leaves the household without a card
(issue 13, item 2): the old card stops working at once (it may be in a stranger's pocket), so the
new one must stay printable until it is in the household's hands, which a first scan proves."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from hardware.printing.status import forget
from shop.households import codes
from shop.models import Household, Passbook
from tests.golive.test_first_day import _codes_on_the_sheet
from tests.hardware.conftest import TcpPrinterStub
from tests.kiosk.conftest import KioskClient


@pytest.fixture
def paper_out():
    forget()
    stub = TcpPrinterStub("paper_out")
    yield stub
    stub.close()
    forget()


def _household(app) -> Household:
    with app.extensions["kiosk_db"].reader() as db:
        return db.scalar(select(Household).where(Household.status == "active").limit(1))


def _passbooks(app, household_id: int) -> list[Passbook]:
    with app.extensions["kiosk_db"].reader() as db:
        query = select(Passbook).where(Passbook.household_id == household_id)
        return list(db.scalars(query.order_by(Passbook.id)))


def test_a_reissue_whose_print_fails_keeps_the_new_card_printable_until_it_scans(
    app, staff_client, paper_out, tmp_path
):
    app.config["PRINTER"] = paper_out.url
    home = _household(app)
    client = staff_client("panel")
    issued = client.post(
        f"/backoffice/households/{home.id}/passbooks",
        {"reissue": "1", "output": "thermal", "confirm": "1", "reason": "lost"},
    )
    assert issued.status_code == 200
    assert "存折卡已打印" not in issued.text and "纸" in issued.text  # says why, in words
    # The card is not lost with the print: an A4 sheet to download at once …
    assert 'id="cards-download"' in issued.text
    *old, new = _passbooks(app, home.id)
    assert [b.status for b in old if b.status != "active"] and new.status == "active"
    # … and on the household's page, 重打存折卡 prints the same new card again.
    page = client.get(f"/backoffice/households/{home.id}").text
    assert f'id="reprint-{new.id}"' in page
    app.config["PRINTER"] = "preview"
    again = client.post(f"/backoffice/passbooks/{new.id}/reprint", {"output": "a4"})
    assert again.status_code == 200 and 'id="cards-download"' in again.text
    token = again.text.split("/cards/")[1].split(".pdf")[0]
    sheet = client.get(f"/backoffice/cards/{token}.pdf")
    (code,) = _codes_on_the_sheet(sheet.data, tmp_path)  # the sheet's QR, read as a camera would
    assert codes.code_hash(code) == new.code_hash  # the same new card, not yet another one
    # The household scans the new card at the kiosk once: it is theirs, the clear code goes.
    scanned = KioskClient(app).scan(code)
    assert scanned.status_code == 200 and home.number in scanned.text
    assert _passbooks(app, home.id)[-1].reprint_code is None
    page = client.get(f"/backoffice/households/{home.id}").text
    assert f'id="reprint-{new.id}"' not in page
    refused = client.post(f"/backoffice/passbooks/{new.id}/reprint", {"output": "a4"})
    assert refused.status_code == 303


def test_a_revoked_card_is_never_reprintable(app, staff_client):
    home = _household(app)
    client = staff_client("panel")
    client.post(
        f"/backoffice/households/{home.id}/passbooks",
        {"reissue": "1", "output": "a4", "confirm": "1", "reason": "damaged"},
    )
    new = _passbooks(app, home.id)[-1]
    assert new.reprint_code  # printable until it scans
    client.post(f"/backoffice/passbooks/{new.id}/revoke", {"confirm": "1", "reason": "damaged"})
    assert _passbooks(app, home.id)[-1].reprint_code is None
    assert client.post(f"/backoffice/passbooks/{new.id}/reprint", {}).status_code == 303
