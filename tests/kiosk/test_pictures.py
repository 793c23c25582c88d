"""A picture the volunteer uploads in the back-office is the one the villager sees."""

from __future__ import annotations

import io
import re

from PIL import Image
from sqlalchemy import select

from shop.models import Product
from shop.stock import products

from .test_screens import _db


def test_an_uploaded_picture_shows_on_the_kiosk_and_nothing_else_is_served(app, kiosk, passbooks):
    buffer = io.BytesIO()
    Image.new("RGB", (900, 600), (200, 40, 40)).save(buffer, format="PNG")
    with _db(app).writer() as session, session.begin():
        soap = session.scalar(select(Product).where(Product.sku == "FZ-1"))
        products.set_product_picture(session, soap, buffer.getvalue(), app.instance_path)
        soap_id = soap.id
    screen = kiosk.scan(passbooks["rich"]["存折二维码"])
    url = re.search(rf'src="(/goods/{soap_id}/picture\?v=\d+)"', screen.text).group(1)
    picture = kiosk.client.get(url)
    try:  # a file response holds the file open until it is closed
        assert picture.status_code == 200 and picture.mimetype.startswith("image/")
        assert max(Image.open(io.BytesIO(picture.data)).size) <= 480  # resized on upload
    finally:
        picture.close()
    assert "goods/XYY-2KG.svg" in screen.text  # the demo's drawings stay static files
    with _db(app).reader() as session:
        other = session.scalar(select(Product).where(Product.sku == "XYY-2KG")).id
    assert kiosk.client.get(f"/goods/{other}/picture").status_code == 404
    assert kiosk.client.get("/goods/999999/picture").status_code == 404
