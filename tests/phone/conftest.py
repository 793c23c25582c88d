"""Phone page fixtures: the back-office's demo instance (one staff member per role), query codes
issued through the service, and a phone client that signs in by the QR's link."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from shop import households
from shop.db import unit_of_work
from shop.models import Household
from tests.backoffice.conftest import (  # noqa: F401  (fixtures shared with the back-office)
    StaffClient,
    app,
    backoffice_instance,
    make_app,
    staff_client,
)


def issue_code(flask_app, number: str | None = None) -> tuple[str, int]:
    """A query code for a demo household (the first by number unless named): (code, household)."""
    db = flask_app.extensions["kiosk_db"]
    with unit_of_work(db.writer) as session:
        query = select(Household).order_by(Household.number)
        if number:
            query = query.where(Household.number == number)
        household = session.scalars(query.limit(1)).one()
        made = households.issue_query_code(session, household, actor="test")
        return made.code, household.id


class PhoneClient:
    """A phone's browser: its own cookies, the page's CSRF token for the forms."""

    def __init__(self, flask_app) -> None:
        self.app = flask_app
        self.client = flask_app.test_client()

    def sign_in(self, code: str):
        return self.client.get(f"/m/c/{code}")

    def get(self, path: str, **kwargs):
        return self.client.get(path, **kwargs)

    def csrf(self, path: str = "/m/") -> str:
        page = self.client.get(path)
        return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)

    def post(self, path: str, data=None, *, token_from: str = "/m/", **kwargs):
        data = dict(data or {})
        data.setdefault("csrf_token", self.csrf(token_from))
        return self.client.post(path, data=data, **kwargs)


@pytest.fixture
def phone(app):  # noqa: F811  (the back-office's app fixture)
    def make() -> PhoneClient:
        return PhoneClient(app)

    return make
