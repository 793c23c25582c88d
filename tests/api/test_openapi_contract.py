"""The OpenAPI document says what the API answers (issue 14, finding 19), on SQLite and PostgreSQL.

Every operation in /api/v1/openapi.json is called, by a walk that reaches each declared success
and by generated requests (Hypothesis) built from the document's own request schemas and from
junk; every answer's status must be one the operation declares, with a JSON body that fits the
schema declared for that status: for a refusal, the error code must be one the document lists
under that status. The document and the app's routes must name the same operations.

Not schemathesis: it is not in the project's environment and would bring a dozen packages; the
document uses a small part of JSON Schema, which `problems` below checks in full and refuses to
guess at (a keyword it does not know fails the test instead of passing unseen).
"""

from __future__ import annotations

import io
import re
from urllib.parse import quote, urlencode

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from shop import households, staff, stock
from shop.db import unit_of_work
from shop.models import Household, Product, Rule, RuleCategory, Township, Village
from tests.backoffice.test_scope_isolation import world  # noqa: F401 (two villages, both engines)

JSON = "application/json"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
KEYWORDS = {
    "type", "properties", "required", "additionalProperties", "items", "$ref", "enum",
    "minimum", "maximum", "pattern", "description", "minLength", "maxLength",
}  # fmt: skip
TYPES = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
}


def resolve(document: dict, schema: dict) -> dict:
    while "$ref" in schema:
        name = schema["$ref"].removeprefix("#/components/schemas/")
        schema = document["components"]["schemas"][name]
    return schema


def problems(document: dict, value, schema: dict, where: str = "$") -> list[str]:
    """Where `value` does not fit `schema` (the JSON Schema keywords in KEYWORDS)."""
    schema = resolve(document, schema)
    unknown = set(schema) - KEYWORDS
    assert not unknown, f"{where}: the document uses {unknown}, which this test does not check"
    kinds = schema.get("type")
    kinds = [kinds] if isinstance(kinds, str) else kinds
    if kinds and not any(TYPES[k](value) for k in kinds):
        return [f"{where}: {value!r} is not {'/'.join(kinds)}"]
    found = []
    if "enum" in schema and value not in schema["enum"]:
        found.append(f"{where}: {value!r} not in {schema['enum']}")
    if isinstance(value, str):
        if "pattern" in schema and not re.search(schema["pattern"], value):
            found.append(f"{where}: {value!r} does not match {schema['pattern']}")
        if len(value) < schema.get("minLength", 0) or len(value) > schema.get("maxLength", 1e9):
            found.append(f"{where}: length {len(value)}")
    number = isinstance(value, int | float) and not isinstance(value, bool)
    if number and not schema.get("minimum", value) <= value <= schema.get("maximum", value):
        found.append(f"{where}: {value} out of range")
    if isinstance(value, dict):
        properties = schema.get("properties", {})
        found += [
            f"{where}: {key} missing" for key in schema.get("required", []) if key not in value
        ]
        for key, item in value.items():
            if key in properties:
                found += problems(document, item, properties[key], f"{where}.{key}")
            elif schema.get("additionalProperties", True) is False:
                found.append(f"{where}: {key} is not in the document")
    if isinstance(value, list) and "items" in schema:
        for i, item in enumerate(value):
            found += problems(document, item, schema["items"], f"{where}[{i}]")
    return found


def from_schema(document: dict, schema: dict) -> st.SearchStrategy:
    """Values the document says are valid for `schema` (its request bodies)."""
    schema = resolve(document, schema)
    kind = schema.get("type")
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    if kind == "object":
        properties = schema.get("properties", {})
        required = set(schema.get("required", []))
        strategies = {k: from_schema(document, s) for k, s in properties.items()}
        return st.fixed_dictionaries(
            {k: v for k, v in strategies.items() if k in required},
            optional={k: v for k, v in strategies.items() if k not in required},
        )
    if kind == "array":
        return st.lists(from_schema(document, schema.get("items", {})), min_size=1, max_size=3)
    if kind == "integer":
        return st.integers(schema.get("minimum", -(2**31)), schema.get("maximum", 2**31))
    if kind == "string":
        if "pattern" in schema:
            return st.from_regex(schema["pattern"], fullmatch=True)
        return st.text(min_size=schema.get("minLength", 0), max_size=schema.get("maxLength", 24))
    return st.none() | st.booleans() | st.integers() | st.text(max_size=10)


def operation(document: dict, path: str, method: str) -> tuple[str, dict]:
    """The document's operation for a concrete path (/passbooks/JF1... -> /passbooks/{code})."""
    for template, item in document["paths"].items():
        pattern = re.sub(r"\{[^}]+\}", "[^/]+", template)  # templates are plain path words
        if re.fullmatch(pattern, path) and method.lower() in item:
            return template, item[method.lower()]
    raise AssertionError(f"{method} {path} is not in the document")


def conforms(document: dict, method: str, path: str, answer) -> None:
    """The answer's status is declared for the operation and its body fits that status's schema
    (a workbook: the declared media type, and a file openpyxl opens)."""
    template, op = operation(document, path.split("?")[0].removeprefix("/api/v1"), method)
    status = str(answer.status_code)
    context = (method, path, status, answer.get_data()[:300])
    assert status in op["responses"], ("status not in the document", *context)
    assert answer.mimetype in op["responses"][status]["content"], context
    if answer.mimetype == XLSX:
        assert openpyxl.load_workbook(io.BytesIO(answer.data)).sheetnames, context
        return
    body = answer.get_json(silent=True)
    schema = op["responses"][status]["content"]["application/json"]["schema"]
    found = problems(document, body, schema)
    assert not found, (found, *context)


def _this_month() -> str:
    from shop import clock

    today = clock.today()
    return f"{today.year}-{today.month:02d}"


MONTH = _this_month()


def _village_a(app) -> dict:
    with unit_of_work(app.extensions["kiosk_db"].writer) as s:
        a = s.scalar(select(Village).where(Village.code == "VA"))
        home = s.scalar(select(Household).where(Household.village_id == a.id))
        _, code = households.issue_passbook(s, home, actor="test")
        soap = s.scalar(select(Product).where(Product.village_id == a.id))
        stock.receive_stock(s, soap, 500, actor="test")
        category = RuleCategory(village_id=a.id, code="AX", name="积美")
        s.add(category)
        s.flush()
        rule = Rule(category_id=category.id, name="庭院整洁", points=3)
        s.add(rule)
        s.flush()
        _, kiosk_token = staff.create_api_token(s, a, "kiosk", label="a-kiosk")
        township = s.get(Township, a.township_id)
        _, township_token = staff.create_region_token(s, township, label="财政所")
        return {
            "code": code,
            "rule": rule.id,
            "kiosk_token": kiosk_token,
            "township_token": township_token,
            "village_a": a.code,
        }


@pytest.fixture
def api(world):  # noqa: F811
    app, w = world
    client = app.test_client()
    document = client.get("/api/v1/openapi.json").get_json()
    return app, w | _village_a(app), client, document


def test_the_document_names_every_api_route_and_no_other(api):
    app, _, _, document = api
    routes = {
        (re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule.removeprefix("/api/v1")), method.lower())
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1/") and rule.endpoint != "api.openapi"
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    documented = {(path, method) for path, item in document["paths"].items() for method in item}
    assert routes == documented


def test_a_walk_reaches_every_documented_answer_that_a_caller_can_cause(api):
    """Each operation's success, and its refusals by token (401, 403), each checked."""
    _, w, client, document = api
    admin = {"Authorization": f"Bearer {w['token_a']}"}
    kiosk = {"Authorization": f"Bearer {w['kiosk_token']}"}
    region = {"Authorization": f"Bearer {w['township_token']}"}
    calls = [
        ("GET", f"/api/v1/passbooks/{w['code']}", None, admin, 200),
        ("GET", f"/api/v1/passbooks/{w['lost_code_b']}", None, admin, 404),
        ("GET", "/api/v1/passbooks/JF1XXXX", None, admin, 404),
        ("GET", "/api/v1/passbooks/JF1" + "0" * 21, None, admin, 422),
        ("GET", "/api/v1/products", None, admin, 200),
        ("GET", "/api/v1/products", None, {}, 401),
        (
            "POST", "/api/v1/redemptions",
            {"passbook": w["code"], "lines": [{"sku": "A-1", "qty": 2}],
             "idempotency_key": "walk-redeem-0001", "kiosk": "K01"},
            kiosk, 201,
        ),
        (
            "POST", "/api/v1/redemptions",
            {"passbook": w["code"], "lines": [{"sku": "A-1", "qty": 99}],
             "idempotency_key": "walk-redeem-0002", "kiosk": "K01"},
            kiosk, 409,
        ),
        ("POST", "/api/v1/redemptions", {"lines": []}, admin, 422),
        ("POST", "/api/v1/awards", {"household": "01-001", "points": 5}, kiosk, 403),
        ("POST", "/api/v1/awards", {"household": "01-001", "points": 5}, admin, 201),
        ("POST", "/api/v1/awards", {"household": "01-001", "rule_id": w["rule"]}, admin, 201),
        ("POST", "/api/v1/awards", {"household": "09-999", "points": 5}, admin, 404),
        ("POST", "/api/v1/awards", {"household": "01-001", "points": 0}, admin, 422),
        ("GET", "/api/v1/products", None, region, 403),
        ("GET", "/api/v1/region/villages", None, region, 200),
        ("GET", f"/api/v1/region/villages?month={MONTH}&village=VA", None, region, 200),
        ("GET", "/api/v1/region/villages?month=2026-13", None, region, 422),
        ("GET", "/api/v1/region/villages?village=NOPE", None, region, 404),
        ("GET", "/api/v1/region/villages", None, admin, 403),
        ("GET", "/api/v1/region/villages", None, {}, 401),
        ("GET", f"/api/v1/region/villages.xlsx?month={MONTH}", None, region, 200),
        ("GET", "/api/v1/region/villages.xlsx?month=13", None, region, 422),
        ("GET", "/api/v1/region/villages.xlsx", None, kiosk, 403),
        ("GET", "/api/v1/region/ranking?year=2026", None, region, 200),
        ("GET", "/api/v1/region/ranking?year=99", None, region, 422),
    ]  # fmt: skip
    walked = set()
    for method, path, body, headers, status in calls:
        answer = client.open(path, method=method, json=body, headers=headers)
        assert answer.status_code == status, (method, path, answer.get_json())
        conforms(document, method, path, answer)
        walked.add(operation(document, path.split("?")[0].removeprefix("/api/v1"), method)[0])
        if path.endswith("/redemptions") and status == 201:
            receipt = answer.get_json()["receipt_no"]
    for reason, status in (("打错了", 200), ("又一次", 409)):
        path = f"/api/v1/redemptions/{quote(receipt)}/void"
        answer = client.post(path, json={"reason": reason}, headers=admin)
        assert answer.status_code == status, answer.get_json()
        conforms(document, "POST", path, answer)
        walked.add(operation(document, path.removeprefix("/api/v1"), "POST")[0])
    missing = client.post(
        "/api/v1/redemptions/K01-999999/void", json={"reason": "x"}, headers=admin
    )
    conforms(document, "POST", "/api/v1/redemptions/K01-999999/void", missing)
    assert walked == set(document["paths"])


def test_generated_requests_get_only_the_answers_the_document_declares(api):
    _, w, client, document = api
    tokens = st.sampled_from([w["token_a"], w["township_token"]])
    known = st.sampled_from(
        [w["code"], w["code_b"], w["lost_code_b"], "JF1" + "0" * 21, "01-001", "VA", "VB"]
        + [MONTH, "2026-00", "1999-12", "2026", "０２", "-1"]
    )
    body_of = {
        (path, method): from_schema(document, op["requestBody"]["content"][JSON]["schema"])
        for path, item in document["paths"].items()
        for method, op in item.items()
        if "requestBody" in op
    }
    junk = st.recursive(
        st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.text(max_size=20),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner),
        max_leaves=6,
    )
    operations = st.sampled_from(
        sorted((path, method) for path, item in document["paths"].items() for method in item)
    )

    @settings(
        max_examples=120,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(operations, st.data())
    def probe(chosen, data):
        template, method = chosen
        parameters = document["paths"][template][method].get("parameters", [])
        values = {p["name"]: known | from_schema(document, p["schema"]) for p in parameters}
        path = "/api/v1" + re.sub(
            r"\{([^}]+)\}", lambda m: quote(data.draw(values[m.group(1)]), safe=""), template
        )
        query = {
            p["name"]: data.draw(values[p["name"]])
            for p in parameters
            if p["in"] == "query" and data.draw(st.booleans())
        }
        if query:
            path += "?" + urlencode(query)
        admin = {"Authorization": f"Bearer {data.draw(tokens)}"}
        body = None
        if (template, method) in body_of:
            body = data.draw(body_of[(template, method)] | junk)
        answer = client.open(path, method=method.upper(), json=body, headers=admin)
        conforms(document, method.upper(), path, answer)

    probe()
