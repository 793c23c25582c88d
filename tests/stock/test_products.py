"""Product edits, pictures and the low-stock list."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from shop.errors import DomainError
from shop.stock import products


def _png(size, mode="RGB") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, (200, 30, 30, 128) if mode == "RGBA" else (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


def test_edit_changes_what_the_form_edits_and_refuses_the_rest(session, create_product):
    soap = create_product(5, 10)
    products.update_product(
        session,
        soap,
        name=" 香皂 ",
        points=6,
        min_level=5,
        reorder_level=20,
        barcode="690123",
        is_active=False,
    )
    assert (soap.name, soap.points, soap.min_level, soap.barcode, soap.is_active) == (
        "香皂",
        6,
        5,
        "690123",
        False,
    )
    for bad in ({"points": 0}, {"on_hand": 99}, {"min_level": -1}, {"name": " "}, {"points": "7"}):
        with pytest.raises(DomainError):
            products.update_product(session, soap, **bad)


def test_a_barcode_belongs_to_one_product(session, create_product):
    soap, oil = create_product(), create_product()
    products.update_product(session, soap, barcode="690123")
    with pytest.raises(DomainError) as err:
        products.update_product(session, oil, barcode="690123")
    assert err.value.code == "barcode_taken"


def test_a_picture_is_resized_to_480_and_stored_in_the_instance_folder(
    session, create_product, tmp_path
):
    soap = create_product()
    path = products.set_product_picture(session, soap, _png((1600, 900)), tmp_path)
    assert path == f"pictures/{soap.village_id}/{soap.id}.jpg" and soap.picture == path
    with Image.open(tmp_path / path) as stored:
        assert stored.size == (480, 270) and stored.format == "JPEG"
    # A transparent picture stays PNG and replaces the JPEG.
    path = products.set_product_picture(session, soap, _png((300, 300), "RGBA"), tmp_path)
    assert path.endswith(".png") and not (tmp_path / path).with_suffix(".jpg").exists()


def test_something_that_is_not_a_picture_is_refused(session, create_product, tmp_path):
    with pytest.raises(DomainError) as err:
        products.set_product_picture(session, create_product(), b"not a picture", tmp_path)
    assert err.value.code == "invalid_picture"


def test_low_stock_lists_goods_below_minimum_with_the_quantity_to_reorder(
    session, village, create_product
):
    soap, oil, salt = create_product(5, 3), create_product(8, 40), create_product(2, 0)
    products.update_product(session, soap, min_level=10, reorder_level=30)
    products.update_product(session, oil, min_level=10, reorder_level=30)
    products.update_product(session, salt, min_level=5)  # no recommended level: up to minimum
    rows = products.low_stock(session, village)
    assert [(r.sku, r.on_hand, r.reorder_qty) for r in rows] == [
        (soap.sku, 3, 27),
        (salt.sku, 0, 5),
    ]


def _huge_png(side: int = 13_300) -> bytes:
    """A small file that decodes to side x side pixels (the audit's 687 KB, 1.4 GB picture)."""
    import struct
    import zlib

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    packer = zlib.compressobj(9)
    row = b"\x00" * (side + 1)
    data = b"".join(packer.compress(row) for _ in range(side)) + packer.flush()
    header = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")
    )


def test_a_picture_of_too_many_pixels_is_refused_before_decoding(session, create_product, tmp_path):
    data = _huge_png()
    assert len(data) < 1_000_000
    with pytest.raises(DomainError) as err:
        products.set_product_picture(session, create_product(), data, tmp_path)
    assert err.value.code == "invalid_picture"


def test_two_skus_that_look_alike_keep_their_own_pictures(session, create_product, tmp_path):
    dot, underscore = create_product(sku="COL.1"), create_product(sku="COL_1")
    first = products.set_product_picture(session, dot, _png((100, 100)), tmp_path)
    second = products.set_product_picture(session, underscore, _png((200, 100)), tmp_path)
    assert first != second
    with Image.open(tmp_path / first) as a, Image.open(tmp_path / second) as b:
        assert a.size == (100, 100) and b.size == (200, 100)
