"""JSON API v1: thin routes over the shop's services, bearer-token auth.

Errors are always `{"error": {"code": ..., "message": ...}}` with the status the code implies;
bad input is a 4xx, never a 500.
"""

from __future__ import annotations

from flask import current_app, g, jsonify, request
from sqlalchemy import select

from kiosk.api.edge import AWARD, LOOKUP, REDEEM, VOID, bp, error, require
from kiosk.api.openapi import OPENAPI
from kiosk.db import reading, writing
from shop import households, points, redemptions
from shop.errors import DomainError
from shop.households import pins
from shop.models import Kiosk, Product, Rule


def _json_object() -> dict:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise DomainError("invalid_input", "a JSON object is required")
    return body


def _household_json(h) -> dict:
    return {"number": h.number, "name": h.head_name, "group": h.group_name, "status": h.status}


@bp.get("/openapi.json", merge_slashes=False)
def openapi():
    return jsonify(OPENAPI)


@bp.get("/passbooks/<code>", merge_slashes=False)
@require(LOOKUP)
def get_passbook(code: str):
    with reading() as session:
        scan = households.lookup_passbook(session, code)
        h = scan.household
        recent = [
            {
                "at": e.journal.created_at.isoformat(),
                "kind": e.journal.kind,
                "item": e.rule.name if e.rule else (e.journal.memo or e.journal.ref),
                "delta": e.delta,
                "balance_after": e.balance_after,
            }
            for e in households.recent_entries(session, h, limit=10)
        ]
        return jsonify({"household": _household_json(h), "balance": h.balance, "recent": recent})


@bp.get("/products", merge_slashes=False)
@require(LOOKUP)
def list_products():
    with reading() as session:
        rows = session.scalars(
            select(Product).where(Product.is_active).order_by(Product.sort_order, Product.id)
        )
        return jsonify(
            [
                {
                    "sku": p.sku,
                    "name": p.name,
                    "unit": p.unit,
                    "points": p.points,
                    "on_hand": p.on_hand,
                }
                for p in rows
            ]
        )


def _parse_lines(raw) -> list[tuple[str, int]]:
    if not isinstance(raw, list) or not raw:
        raise DomainError("empty_basket") if raw == [] else DomainError("invalid_input", "lines")
    lines = []
    for item in raw:
        if not isinstance(item, dict) or not isinstance(item.get("sku"), str):
            raise DomainError("invalid_input", "each line needs sku and qty")
        lines.append((item["sku"], item.get("qty")))
    return lines


@bp.post("/redemptions", merge_slashes=False)
@require(REDEEM)
def create_redemption():
    body = _json_object()
    lines = _parse_lines(body.get("lines"))
    key = body.get("idempotency_key")
    code = body.get("passbook")
    if not isinstance(code, str) or not isinstance(key, str):
        raise DomainError("invalid_input", "passbook and idempotency_key are required strings")
    pin = body.get("pin")
    if pin is not None and not isinstance(pin, str):
        raise DomainError("invalid_input", "pin is a string of digits")
    refused = None
    with writing() as session:
        scan = households.lookup_passbook(session, code)
        kiosk = _kiosk(session, body.get("kiosk"))
        # The shop's lock and PIN policy, as at the kiosk (shop.households.pins).
        check = pins.authorize_spend(
            session,
            scan.household,
            redemptions.basket_total(session, scan.household.village_id, lines),
            policy=current_app.config.get("PIN_POLICY"),
            pin=pin,
        )
        if check is not None and not check.ok:
            # A wrong PIN is counted (committed when this block ends), then refused.
            refused = check
    if refused is not None:
        if refused.locked:
            raise DomainError("household_locked")
        return error("wrong_pin", f"tries left: {refused.tries_left}")
    with writing() as session:
        scan = households.lookup_passbook(session, code)
        kiosk = _kiosk(session, body.get("kiosk"))
        receipt = redemptions.redeem(
            session, scan.household, lines, kiosk=kiosk, idempotency_key=key, actor=g.caller.actor
        )
        answer = {
            "receipt_no": receipt.receipt_no,
            "total": receipt.total,
            "balance_after": receipt.balance_after,
            "journal_hash": receipt.journal.hash,
            "state": receipt.state,
        }
    return jsonify(answer), 201


def _kiosk(session, code) -> Kiosk:
    if g.caller.kiosk_id:
        kiosk = session.get(Kiosk, g.caller.kiosk_id)
        if kiosk is None:  # a kiosk outside the token's village is not there for it
            raise DomainError("unknown_kiosk")
        return kiosk
    code = code if isinstance(code, str) else current_app.config["DEVICE"]
    kiosk = session.scalar(select(Kiosk).where(Kiosk.code == code))
    if kiosk is None:
        raise DomainError("unknown_kiosk", str(code))
    return kiosk


@bp.post("/redemptions/<receipt_no>/void", merge_slashes=False)
@require(VOID)
def void(receipt_no: str):
    body = _json_object()
    reason = body.get("reason")
    if not isinstance(reason, str):
        raise DomainError("reason_required")
    with writing() as session:
        receipt = redemptions.get_redemption(session, receipt_no)
        entry = redemptions.void_redemption(session, receipt, reason=reason, actor=g.caller.actor)
        answer = {"receipt_no": receipt_no, "state": "voided", "journal_hash": entry.hash}
    return jsonify(answer), 200


@bp.post("/awards", merge_slashes=False)
@require(AWARD)
def create_award():
    body = _json_object()
    memo = body.get("memo") or ""
    key = body.get("idempotency_key")
    if not isinstance(memo, str) or (key is not None and not isinstance(key, str)):
        raise DomainError("invalid_input", "memo and idempotency_key are strings")
    with writing() as session:
        if isinstance(body.get("passbook"), str):
            household = households.lookup_passbook(session, body["passbook"]).household
        elif isinstance(body.get("household"), str):
            household = households.get_household(session, g.caller.village_id, body["household"])
        else:
            raise DomainError("invalid_input", "household number or passbook is required")
        rule = None
        if body.get("rule_id") is not None:
            rule = session.get(Rule, body["rule_id"]) if isinstance(body["rule_id"], int) else None
            if rule is None:
                raise DomainError("unknown_rule", str(body["rule_id"]))
        delta = body.get("points")
        if rule is None and delta is None:
            raise DomainError("invalid_input", "rule_id or points is required")
        entry = points.award_points(
            session,
            household,
            rule=rule,
            delta=delta,
            actor=g.caller.actor,
            memo=memo,
            idempotency_key=key,
        )
        session.refresh(household)
        answer = {
            "household": household.number,
            "balance_after": household.balance,
            "journal_seq": entry.seq,
            "journal_hash": entry.hash,
        }
    return jsonify(answer), 201


# The township's and the district's read-only routes, on the same blueprint.
from kiosk.api import region as region_routes  # noqa: E402,F401
