"""Paper is domain data: what a slip says (receipts, statements, cards, the day close, the test
page), laid out for 58 or 80 mm paper as rows of text, rules and QR codes. The printer adapters
(hardware/) render a layout to ESC/POS and to the on-screen HTML; nothing here prints.
"""

from shop.paper.documents import (
    RECEIPT_QR_PREFIX,
    TEST_QR_PREFIX,
    Lang,
    Receipt,
    ReceiptLine,
    StatementRow,
    StatementSlip,
    TestPage,
    format_datetime,
    format_points,
    mask_name,
)
from shop.paper.layout import QR, Align, Builder, Document, Layout, Row, Rule, Text
from shop.paper.text import (
    center,
    char_width,
    clean_text,
    display_width,
    fit,
    pad_left,
    pad_right,
    wrap,
)

__all__ = [
    "QR",
    "RECEIPT_QR_PREFIX",
    "TEST_QR_PREFIX",
    "Align",
    "Builder",
    "Document",
    "Lang",
    "Layout",
    "Receipt",
    "ReceiptLine",
    "Row",
    "Rule",
    "StatementRow",
    "StatementSlip",
    "TestPage",
    "Text",
    "center",
    "char_width",
    "clean_text",
    "display_width",
    "fit",
    "format_datetime",
    "format_points",
    "mask_name",
    "pad_left",
    "pad_right",
    "wrap",
]
