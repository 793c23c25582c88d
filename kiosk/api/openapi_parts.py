"""The pieces the OpenAPI document (kiosk/api/openapi.py) is built of: the codes every operation
answers, the refusals' schema by status (from shop/errors.py MESSAGES), closed object schemas."""

from __future__ import annotations

from collections import defaultdict

from shop.errors import MESSAGES

JSON = "application/json"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
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


def status_of(code: str) -> int:
    return EDGE[code] if code in EDGE else MESSAGES[code][0]


def error_schema(codes: list[str]) -> dict:
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


def answers(
    status: int, description: str, schema: dict, codes: tuple[str, ...], media: str = JSON
) -> dict:
    """The success and, per status, the refusals with their codes."""
    out = {str(status): {"description": description, "content": {media: {"schema": schema}}}}
    by_status: dict[int, list[str]] = defaultdict(list)
    for code in dict.fromkeys(codes + ALWAYS):
        by_status[status_of(code)].append(code)
    for refused, names in sorted(by_status.items()):
        out[str(refused)] = {
            "description": ", ".join(names),
            "content": {JSON: {"schema": error_schema(names)}},
        }
    return out


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def body(name: str) -> dict:
    return {"required": True, "content": {JSON: {"schema": ref(name)}}}


def closed(properties: dict, required: list[str] | None = None) -> dict:
    return {
        "type": "object",
        "required": list(properties) if required is None else required,
        "additionalProperties": False,
        "properties": properties,
    }


STRING, INTEGER, NUMBER = {"type": "string"}, {"type": "integer"}, {"type": "number"}
# A path segment: a passbook code or a receipt number never holds a slash (a WSGI server decodes
# %2F into one, and the route is then another path).
SEGMENT = {"type": "string", "pattern": "^[^/]+$"}
