"""The back-office's language: the session's `lang` (zh_CN or en), else the configured LANGUAGE.

Every visible string goes through Flask-Babel like the kiosk's (`_()` in templates, `gettext` in
views); the back-office's source strings are the Chinese a clerk reads, and
`translations/en` carries their English. Printer faults come from `hardware/`, which carries its
own two wordings, since it imports nothing of the app.
"""

from __future__ import annotations

from kiosk import i18n


def lang() -> str:
    """'zh' or 'en'."""
    return i18n.lang()


def printer_error_text(exc) -> str:
    """A printer fault (hardware.printing.PrinterError) in the reader's language."""
    return exc.message_en if lang() == "en" else exc.message_zh
