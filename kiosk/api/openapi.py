"""The OpenAPI 3.1 document served at /api/v1/openapi.json.

Each operation lists the error codes its route can answer; their statuses come from
shop/errors.py MESSAGES (the same table the route answers with), so the document cannot drift
from the API's statuses, and each refusal's schema names its codes. The answers' schemas are
closed (required fields, no others). tests/api/test_openapi_contract.py calls every operation,
by a walk and by generated requests, and checks each answer against this document.
"""

from __future__ import annotations

from kiosk.api.openapi_parts import (
    INTEGER,
    SEGMENT,
    STRING,
    WITH_BODY,
    answers,
    body,
    closed,
    ref,
)
from kiosk.api.openapi_region import PATHS as REGION_PATHS
from kiosk.api.openapi_region import SCHEMAS as REGION_SCHEMAS

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
# A township's or the district's token on a village's route, and a village's on a region's.
VILLAGE = ("token_for_region",)
AWARD = PASSBOOK + (
    "unknown_household",
    "unknown_rule",
    "invalid_points",
    "rule_retired",
    "idempotency_conflict",
)


OPENAPI = {
    "openapi": "3.1.0",
    "info": {
        "title": "Points Kiosk API",
        "version": "1",
        "description": (
            "Village points shop (积分超市) API. Bearer tokens from `kiosk token create --role "
            "kiosk|panel|admin`: kiosk may look up passbooks and redeem, panel may award, "
            "admin may do all, in the token's village. A township's or the district's token "
            "(township_viewer, district_viewer: 乡镇/区县 → 接口令牌, or `kiosk token create "
            "--role township_viewer --township CODE`) reads the /region/ routes of its region "
            "and nothing of a village's own routes. "
            'Errors are `{"error": {"code", "message"}}`; each operation '
            "lists its codes under their status."
        ),
    },
    "security": [{"bearer": []}],
    "paths": {
        "/passbooks/{code}": {
            "get": {
                "summary": "Who a passbook belongs to, the balance and why",
                "parameters": [{"name": "code", "in": "path", "required": True, "schema": SEGMENT}],
                "responses": answers(200, "The household", ref("PassbookView"), PASSBOOK + VILLAGE),
            }
        },
        "/products": {
            "get": {
                "summary": "Goods on offer",
                "responses": answers(
                    200, "Goods", {"type": "array", "items": ref("Product")}, VILLAGE
                ),
            }
        },
        "/redemptions": {
            "post": {
                "summary": "Redeem points for goods (idempotent by key, within the village)",
                "requestBody": body("RedemptionRequest"),
                "responses": answers(
                    201,
                    "The receipt (the same answer again for a repeated key)",
                    ref("Receipt"),
                    REDEEM + VILLAGE + WITH_BODY,
                ),
            }
        },
        "/redemptions/{receipt_no}/void": {
            "post": {
                "summary": "Void a receipt: points and goods come back (admin)",
                "parameters": [
                    {"name": "receipt_no", "in": "path", "required": True, "schema": SEGMENT}
                ],
                "requestBody": body("VoidRequest"),
                "responses": answers(200, "Voided", ref("Voided"), VOID + VILLAGE + WITH_BODY),
            }
        },
        "/awards": {
            "post": {
                "summary": "Award or deduct points for a household (panel)",
                "requestBody": body("AwardRequest"),
                "responses": answers(201, "Recorded", ref("Award"), AWARD + VILLAGE + WITH_BODY),
            }
        },
        **REGION_PATHS,
    },
    "components": {
        "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        "schemas": {
            "PassbookView": closed(
                {
                    "household": closed(
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
                        "items": closed(
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
            "Product": closed(
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
            "Receipt": closed(
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
            "Voided": closed(
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
            **REGION_SCHEMAS,
            "Award": closed(
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
