"""Models added by the backoffice part of the shop (see shop/models.py for the core ledger)."""

from .models import Base  # noqa: F401
