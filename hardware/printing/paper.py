"""What the printer adapters need of a slip, without knowing who made it.

The slips themselves are domain data (shop/paper/: receipts, statements, cards, the day close);
hardware/ may not import the domain, so it reads a layout by shape: ``columns``, ``slug`` and
``rows``, each row with a ``kind`` (``text``, ``rule`` or ``qr``) and ``render(columns)``; text
rows say ``bold`` and ``tall``, QR rows carry ``payload`` and ``module_mm``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol


class RowLike(Protocol):
    kind: str


class LayoutLike(Protocol):
    columns: int
    slug: str
    rows: Sequence[RowLike]


class DocumentLike(Protocol):
    def layout(self, columns: int) -> LayoutLike: ...


def is_qr(row: object) -> bool:
    return getattr(row, "kind", None) == "qr"


def is_text(row: object) -> bool:
    return getattr(row, "kind", None) == "text"
