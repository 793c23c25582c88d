"""Receiving (入库): one document per delivery, one journal event with a move per line."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from shop import stock
from shop.errors import DomainError
from shop.models import Journal
from shop.stock import receiving

from .helpers import verified


def test_a_delivery_is_one_document_and_one_journal_event_with_a_move_per_product(
    session, village, create_product
):
    soap, oil = create_product(5, 10), create_product(8, 0)
    oil.barcode = "6901234567892"
    session.flush()
    doc = receiving.receive_delivery(
        session,
        village,
        [(soap.sku, 24), ("6901234567892", 12), (soap.sku, 6)],
        source_kind="partner",
        source_name="赣南脐橙公司",
        value_yuan="1234.50",
        actor="volunteer:li",
    )
    session.refresh(soap)
    session.refresh(oil)
    assert (soap.on_hand, oil.on_hand) == (40, 12)
    assert doc.doc_no.startswith("RK") and doc.value_fen == 123450
    assert [(ln.product_id, ln.qty, ln.on_hand_after) for ln in doc.lines] == sorted(
        [(soap.id, 30, 40), (oil.id, 12, 12)]
    )
    journal = session.get(Journal, doc.journal_id)
    assert journal.kind == "stock_receipt" and journal.ref == doc.doc_no
    assert "村企结对·赣南脐橙公司" in journal.memo
    assert sorted((m.product_id, m.delta) for m in journal.stock_moves) == sorted(
        [(soap.id, 30), (oil.id, 12)]
    )
    assert verified(session, village)


def test_documents_are_numbered_in_order_per_village(session, village, create_product):
    soap = create_product(5, 0)
    first = receiving.receive_delivery(
        session, village, [(soap.sku, 1)], source_kind="budget", actor="v"
    )
    second = receiving.receive_delivery(
        session, village, [(soap.sku, 1)], source_kind="donation", source_name="张先生", actor="v"
    )
    assert (first.doc_no, second.doc_no) == ("RK00001", "RK00002")
    assert [d.doc_no for d in receiving.list_deliveries(session, village)] == ["RK00002", "RK00001"]


@pytest.mark.parametrize(
    ("lines", "kwargs", "code"),
    [
        ([("NOPE", 1)], {"source_kind": "budget"}, "unknown_product"),
        ([("{sku}", 0)], {"source_kind": "budget"}, "invalid_quantity"),
        ([("{sku}", 1)], {"source_kind": "bank"}, "source_kind_required"),
        ([("{sku}", 1)], {"source_kind": "partner"}, "partner_name_required"),
        ([("{sku}", 1)], {"source_kind": "budget", "value_yuan": "-1"}, "invalid_value_yuan"),
        ([("{sku}", 1)], {"source_kind": "budget", "value_yuan": "1.005"}, "invalid_value_yuan"),
        ([("{sku}", 1)], {"source_kind": "budget", "value_yuan": "abc"}, "invalid_value_yuan"),
        ([("{sku}", 1)], {"source_kind": "budget", "idempotency_key": "short"}, "reload_page"),
        ([], {"source_kind": "budget"}, "empty_basket"),
    ],
)
def test_a_bad_delivery_is_refused_whole(session, village, create_product, lines, kwargs, code):
    soap = create_product(5, 10)
    lines = [(sku.format(sku=soap.sku), qty) for sku, qty in lines]
    with pytest.raises(DomainError) as err:
        receiving.receive_delivery(session, village, lines, actor="v", **kwargs)
    assert err.value.code == code
    session.refresh(soap)
    assert soap.on_hand == 10


def test_a_failed_delivery_leaves_nothing_behind(session, village, create_product):
    soap = create_product(5, 10)
    before = session.scalar(select(Journal.seq).order_by(Journal.id.desc()).limit(1))
    with pytest.raises(DomainError):
        receiving.receive_delivery(
            session, village, [(soap.sku, 5), ("NOPE", 1)], source_kind="budget", actor="v"
        )
    assert session.scalar(select(Journal.seq).order_by(Journal.id.desc()).limit(1)) == before
    assert stock.get_product(session, village.id, soap.sku).on_hand == 10


def test_a_resubmitted_delivery_form_books_the_goods_once(session, village, create_product):
    soap = create_product(5, 0)
    kwargs = dict(source_kind="budget", actor="v", idempotency_key="form-7f3a9c21")
    first = receiving.receive_delivery(session, village, [(soap.sku, 12)], **kwargs)
    again = receiving.receive_delivery(session, village, [(soap.sku, 12)], **kwargs)
    assert again.id == first.id
    assert stock.get_product(session, village.id, soap.sku).on_hand == 12


def test_the_receiving_slip_lists_what_came_and_the_stock_after(session, village, create_product):
    soap = create_product(5, 3)
    doc = receiving.receive_delivery(
        session,
        village,
        [(soap.sku, 12)],
        source_kind="donation",
        source_name="张先生",
        value_yuan="99.9",
        actor="volunteer:li",
        memo="春节慰问",
    )
    text = "\n".join(receiving.receiving_slip(session, doc).layout(32).text_lines())
    assert doc.doc_no in text and "捐赠 · 张先生" in text and "¥99.90" in text
    assert "12瓶 (15)" in text and "春节慰问" in text
