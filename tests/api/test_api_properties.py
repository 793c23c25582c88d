"""Property-based API test (finding 19, in part): generated bodies, paths and values against every
API route, on SQLite and PostgreSQL; no answer is a 5xx, every refusal is the documented JSON
error. tests/api/test_openapi_contract.py checks every answer against the OpenAPI document."""

from __future__ import annotations

from urllib.parse import quote

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.backoffice.test_scope_isolation import world  # noqa: F401 (two villages, both engines)

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**80), max_value=2**80)
    | st.floats(allow_nan=False)
    | st.text(max_size=80)
    | st.sampled_from(["01-001", "A-1", "JF1" + "0" * 21, "K01-000001", "\x00", "²", "9" * 40])
)
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3), max_leaves=8)
fields = st.sampled_from(
    [
        "passbook",
        "household",
        "points",
        "rule_id",
        "memo",
        "idempotency_key",
        "lines",
        "kiosk",
        "reason",
        "qty",
        "sku",
    ]
)
bodies = st.one_of(
    st.dictionaries(fields, values, max_size=6),
    st.fixed_dictionaries(
        {
            "passbook": scalars,
            "lines": st.lists(st.fixed_dictionaries({"sku": scalars, "qty": scalars}), max_size=3),
            "idempotency_key": scalars,
        }
    ),
    values,
)
calls = st.one_of(
    st.tuples(st.just("POST"), st.just("/api/v1/awards"), bodies),
    st.tuples(st.just("POST"), st.just("/api/v1/redemptions"), bodies),
    st.tuples(
        st.just("POST"),
        st.text(max_size=40).map(lambda t: f"/api/v1/redemptions/{quote(t, safe='')}/void"),
        bodies,
    ),
    st.tuples(
        st.just("GET"),
        st.text(max_size=40).map(lambda t: f"/api/v1/passbooks/{quote(t, safe='')}"),
        st.none(),
    ),
    st.tuples(st.just("GET"), st.just("/api/v1/products"), st.none()),
)


def test_generated_api_calls_never_get_a_server_error(world):  # noqa: F811
    app, w = world
    client = app.test_client()
    auth = {"Authorization": f"Bearer {w['token_a']}"}

    @settings(
        max_examples=150,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(calls)
    def probe(call):
        method, path, body = call
        if method == "GET":
            answer = client.get(path, headers=auth)
        else:
            answer = client.post(path, json=body, headers=auth)
        assert answer.status_code < 500, (method, path, body, answer.get_data(as_text=True)[:300])
        payload = answer.get_json(silent=True)
        assert payload is not None, (path, answer.status_code)
        if answer.status_code >= 400:
            assert set(payload["error"]) >= {"code", "message"}, payload

    probe()
