"""The OpenAPI 3.1 document served at /api/v1/openapi.json."""

from shop.errors import MESSAGES


def _error(description: str) -> dict:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


def _ok(description: str, schema: dict) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


_JSON_BODY = lambda ref: {  # noqa: E731
    "required": True,
    "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{ref}"}}},
}

OPENAPI = {
    "openapi": "3.1.0",
    "info": {
        "title": "Points Kiosk API",
        "version": "1",
        "description": (
            "Village points shop (积分超市) API. Bearer tokens from `kiosk token create --role "
            "kiosk|panel|admin`: kiosk may look up passbooks and redeem, panel may award, "
            'admin may do all. Errors are `{"error": {"code", "message"}}`; codes: '
            + ", ".join(sorted(MESSAGES))
        ),
    },
    "security": [{"bearer": []}],
    "paths": {
        "/passbooks/{code}": {
            "get": {
                "summary": "Who a passbook belongs to, the balance and why",
                "parameters": [
                    {"name": "code", "in": "path", "required": True, "schema": {"type": "string"}}
                ],
                "responses": {
                    "200": _ok("The household", {"$ref": "#/components/schemas/PassbookView"}),
                    "404": _error("unknown_code"),
                    "410": _error("passbook_revoked (reported lost), passbook_void (cancelled)"),
                    "422": _error("damaged_code"),
                },
            }
        },
        "/products": {
            "get": {
                "summary": "Goods on offer",
                "responses": {
                    "200": _ok(
                        "Goods",
                        {"type": "array", "items": {"$ref": "#/components/schemas/Product"}},
                    )
                },
            }
        },
        "/redemptions": {
            "post": {
                "summary": "Redeem points for goods (idempotent by key)",
                "requestBody": _JSON_BODY("RedemptionRequest"),
                "responses": {
                    "201": _ok(
                        "The receipt (the same answer again for a repeated key)",
                        {"$ref": "#/components/schemas/Receipt"},
                    ),
                    "409": _error(
                        "insufficient_points, out_of_stock, idempotency_conflict, "
                        "household_inactive, product_inactive"
                    ),
                    "403": _error("pin_required, wrong_pin (the household's PIN policy)"),
                    "422": _error("invalid_input, invalid_quantity, empty_basket"),
                    "423": _error("household_locked (too many wrong PINs; a clerk unlocks)"),
                },
            }
        },
        "/redemptions/{receipt_no}/void": {
            "post": {
                "summary": "Void a receipt: points and goods come back (admin)",
                "parameters": [
                    {
                        "name": "receipt_no",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "string"},
                    }
                ],
                "requestBody": _JSON_BODY("VoidRequest"),
                "responses": {
                    "200": _ok("Voided", {"type": "object"}),
                    "404": _error("unknown_receipt"),
                    "409": _error("already_voided"),
                },
            }
        },
        "/awards": {
            "post": {
                "summary": "Award or deduct points for a household (panel)",
                "requestBody": _JSON_BODY("AwardRequest"),
                "responses": {
                    "201": _ok("Recorded", {"type": "object"}),
                    "404": _error("unknown_household, unknown_rule, unknown_code"),
                    "409": _error("idempotency_conflict (a deduction applies at any balance)"),
                    "422": _error("invalid_points, invalid_input"),
                },
            }
        },
    },
    "components": {
        "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        "schemas": {
            "Error": {
                "type": "object",
                "properties": {
                    "error": {
                        "type": "object",
                        "properties": {"code": {"type": "string"}, "message": {"type": "string"}},
                    }
                },
            },
            "PassbookView": {
                "type": "object",
                "properties": {
                    "household": {
                        "type": "object",
                        "properties": {
                            "number": {"type": "string"},
                            "name": {"type": "string"},
                            "group": {"type": "string"},
                        },
                    },
                    "balance": {"type": "integer"},
                    "recent": {"type": "array", "items": {"type": "object"}},
                },
            },
            "Product": {
                "type": "object",
                "properties": {
                    "sku": {"type": "string"},
                    "name": {"type": "string"},
                    "unit": {"type": "string"},
                    "points": {"type": "integer"},
                    "on_hand": {"type": "integer"},
                },
            },
            "RedemptionRequest": {
                "type": "object",
                "required": ["passbook", "lines", "idempotency_key"],
                "properties": {
                    "passbook": {"type": "string"},
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
                                "sku": {"type": "string"},
                                "qty": {"type": "integer", "minimum": 1, "maximum": 99},
                            },
                        },
                    },
                    "idempotency_key": {"type": "string", "pattern": "^[A-Za-z0-9_.:-]{8,64}$"},
                    "kiosk": {"type": "string"},
                },
            },
            "Receipt": {
                "type": "object",
                "properties": {
                    "receipt_no": {"type": "string"},
                    "total": {"type": "integer"},
                    "balance_after": {"type": "integer"},
                    "journal_hash": {"type": "string"},
                    "state": {"type": "string"},
                },
            },
            "VoidRequest": {
                "type": "object",
                "required": ["reason"],
                "properties": {"reason": {"type": "string"}},
            },
            "AwardRequest": {
                "type": "object",
                "properties": {
                    "household": {"type": "string"},
                    "passbook": {"type": "string"},
                    "rule_id": {"type": "integer"},
                    "points": {"type": "integer"},
                    "memo": {"type": "string"},
                    "idempotency_key": {"type": "string"},
                },
            },
        },
    },
}
