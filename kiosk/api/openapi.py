"""The OpenAPI 3.1 document served at /api/v1/openapi.json.

Each operation lists the error codes its route can answer; their statuses come from
shop/errors.py MESSAGES (the same table the route answers with), so the document cannot drift
from the API's statuses, and each refusal's schema names its codes. The answers' schemas are
closed (required fields, no others). tests/api/test_openapi_contract.py calls every operation,
by a walk and by generated requests, and checks each answer against this document.
"""

from __future__ import annotations

from collections import defaultdict

from shop.errors import MESSAGES

JSON = "application/json"
# Answered by the API itself, not by a domain error: no token, a token without the role, a body
# over the size cap.
EDGE = {"unauthorized": 401, "forbidden": 403, "too_large": 413}
# Every operation: a token's refusals, input the edge refuses (shop/columns.py, control
# characters, numbers beyond 64 bits), a database that is busy, down or full.
ALWAYS = (
    "unauthorized",
    "forbidden",
    "invalid_input",
    "invalid_characters",
    "text_too_long",
    "number_too_large",
    "database_busy",
    "database_unavailable",
    "storage_unavailable",
)
WITH_BODY = ("too_large",)
PASSBOOK = (
    "unknown_code",
    "damaged_code",
    "query_code_cannot_redeem",
    "passbook_revoked",
    "passbook_void",
)
REDEEM = PASSBOOK + (
    "empty_basket",
    "invalid_quantity",
    "unknown_kiosk",
    "kiosk_retired",
    "clock_behind",
    "pin_required",
    "wrong_pin",
    "no_household_pin",
    "invalid_household_pin",
    "household_locked",
    "unknown_village",
    "unknown_product",
    "product_inactive",
    "household_inactive",
    "insufficient_points",
    "out_of_stock",
    "limit_reached",
    "outside_window",
    "day_closed",
    "idempotency_conflict",
)
VOID = ("reason_required", "unknown_receipt", "already_voided")
AWARD = PASSBOOK + (
    "unknown_household",
    "unknown_rule",
    "invalid_points",
    "rule_retired",
    "idempotency_conflict",
)


def status_of(code: str) -> int:
    return EDGE[code] if code in EDGE else MESSAGES[code][0]


def _error_schema(codes: list[str]) -> dict:
    return {
        "type": "object",
        "required": ["error"],
        "additionalProperties": False,
        "properties": {
            "error": {
                "type": "object",
                "required": ["code", "message"],
                "additionalProperties": False,
                "properties": {
                    "code": {"type": "string", "enum": codes},
                    "message": {"type": "string", "description": "in the caller's language"},
                    "detail": {"type": "string"},
                },
            }
        },
    }


def _answers(status: int, description: str, schema: dict, codes: tuple[str, ...]) -> dict:
    """The success and, per status, the refusals with their codes."""
    answers = {str(status): {"description": description, "content": {JSON: {"schema": schema}}}}
    by_status: dict[int, list[str]] = defaultdict(list)
    for code in dict.fromkeys(codes + ALWAYS):
        by_status[status_of(code)].append(code)
    for refused, names in sorted(by_status.items()):
        answers[str(refused)] = {
            "description": ", ".join(names),
            "content": {JSON: {"schema": _error_schema(names)}},
        }
    return answers


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _body(name: str) -> dict:
    return {"required": True, "content": {JSON: {"schema": _ref(name)}}}


def _closed(properties: dict, required: list[str] | None = None) -> dict:
    return {
        "type": "object",
        "required": list(properties) if required is None else required,
        "additionalProperties": False,
        "properties": properties,
    }


STRING, INTEGER = {"type": "string"}, {"type": "integer"}
# A path segment: a passbook code or a receipt number never holds a slash (a WSGI server decodes
# %2F into one, and the route is then another path).
SEGMENT = {"type": "string", "pattern": "^[^/]+$"}

OPENAPI = {
    "openapi": "3.1.0",
    "info": {
        "title": "Points Kiosk API",
        "version": "1",
        "description": (
            "Village points shop (积分超市) API. Bearer tokens from `kiosk token create --role "
            "kiosk|panel|admin`: kiosk may look up passbooks and redeem, panel may award, "
            'admin may do all. Errors are `{"error": {"code", "message"}}`; each operation '
            "lists its codes under their status."
        ),
    },
    "security": [{"bearer": []}],
    "paths": {
        "/passbooks/{code}": {
            "get": {
                "summary": "Who a passbook belongs to, the balance and why",
                "parameters": [{"name": "code", "in": "path", "required": True, "schema": SEGMENT}],
                "responses": _answers(200, "The household", _ref("PassbookView"), PASSBOOK),
            }
        },
        "/products": {
            "get": {
                "summary": "Goods on offer",
                "responses": _answers(
                    200, "Goods", {"type": "array", "items": _ref("Product")}, ()
                ),
            }
        },
        "/redemptions": {
            "post": {
                "summary": "Redeem points for goods (idempotent by key, within the village)",
                "requestBody": _body("RedemptionRequest"),
                "responses": _answers(
                    201,
                    "The receipt (the same answer again for a repeated key)",
                    _ref("Receipt"),
                    REDEEM + WITH_BODY,
                ),
            }
        },
        "/redemptions/{receipt_no}/void": {
            "post": {
                "summary": "Void a receipt: points and goods come back (admin)",
                "parameters": [
                    {"name": "receipt_no", "in": "path", "required": True, "schema": SEGMENT}
                ],
                "requestBody": _body("VoidRequest"),
                "responses": _answers(200, "Voided", _ref("Voided"), VOID + WITH_BODY),
            }
        },
        "/awards": {
            "post": {
                "summary": "Award or deduct points for a household (panel)",
                "requestBody": _body("AwardRequest"),
                "responses": _answers(201, "Recorded", _ref("Award"), AWARD + WITH_BODY),
            }
        },
    },
    "components": {
        "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        "schemas": {
            "PassbookView": _closed(
                {
                    "household": _closed(
                        {
                            "number": STRING,
                            "name": STRING,
                            "group": STRING,
                            "status": {"type": "string", "enum": ["active", "inactive"]},
                        }
                    ),
                    "balance": INTEGER,
                    "recent": {
                        "type": "array",
                        "items": _closed(
                            {
                                "at": STRING,
                                "kind": STRING,
                                "item": STRING,
                                "delta": INTEGER,
                                "balance_after": INTEGER,
                            }
                        ),
                    },
                }
            ),
            "Product": _closed(
                {
                    "sku": STRING,
                    "name": STRING,
                    "unit": STRING,
                    "points": INTEGER,
                    "on_hand": INTEGER,
                }
            ),
            "RedemptionRequest": {
                "type": "object",
                "required": ["passbook", "lines", "idempotency_key"],
                "properties": {
                    "passbook": STRING,
                    "pin": {
                        "type": "string",
                        "description": "the household's PIN, when PIN_POLICY asks for one",
                    },
                    "lines": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["sku", "qty"],
                            "properties": {
                                "sku": STRING,
                                "qty": {"type": "integer", "minimum": 1, "maximum": 99},
                            },
                        },
                    },
                    "idempotency_key": {
                        "type": "string",
                        "pattern": "^[A-Za-z0-9_.:-]{8,64}$",
                        "description": "made by the caller; unique within its village",
                    },
                    "kiosk": STRING,
                },
            },
            "Receipt": _closed(
                {
                    "receipt_no": STRING,
                    "total": INTEGER,
                    "balance_after": INTEGER,
                    "journal_hash": STRING,
                    "state": {"type": "string", "enum": ["completed", "voided"]},
                }
            ),
            "VoidRequest": {
                "type": "object",
                "required": ["reason"],
                "properties": {"reason": {"type": "string", "maxLength": 200}},
            },
            "Voided": _closed(
                {
                    "receipt_no": STRING,
                    "state": {"type": "string", "enum": ["voided"]},
                    "journal_hash": STRING,
                }
            ),
            "AwardRequest": {
                "type": "object",
                "properties": {
                    "household": STRING,
                    "passbook": STRING,
                    "rule_id": INTEGER,
                    "points": INTEGER,
                    "memo": STRING,
                    "idempotency_key": {"type": "string", "maxLength": 64},
                },
            },
            "Award": _closed(
                {
                    "household": STRING,
                    "balance_after": INTEGER,
                    "journal_seq": INTEGER,
                    "journal_hash": STRING,
                }
            ),
        },
    },
}
