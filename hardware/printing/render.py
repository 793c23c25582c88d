"""One layout, two renderings: ESC/POS bytes for paper and HTML for the screen."""

from __future__ import annotations

import base64
import functools
import io
import logging
import math
from dataclasses import dataclass
from pathlib import Path

import jinja2
from escpos.constants import QR_ECLEVEL_M
from escpos.escpos import Escpos
from escpos.printer import Dummy
from markupsafe import Markup

from cjkwidth import char_width, clean_text
from hardware.escpos_cjk import (
    DOTS_PER_MM,
    LINE_HEIGHT_DOTS,
    RECEIPT_QR_MODULE_DOTS,
    cjk_font_available,
    hanzi_bytes,
    line_image,
    line_is_text,
    printable_as_text,
    qr_code_image,
    qr_image,
)
from hardware.printing.backends import printer_profile
from hardware.printing.config import PrinterConfig
from hardware.printing.paper import LayoutLike as Layout
from hardware.printing.paper import is_qr, is_text

log = logging.getLogger(__name__)

ESC_INIT = b"\x1b@"  # ESC @: reset modes left over from a previous job
BOLD_ON, BOLD_OFF = b"\x1bE\x01", b"\x1bE\x00"  # ESC E n
# GS ! 0x01 doubles the height of ASCII, FS ! 0x08 that of Hanzi; widths stay, columns hold.
TALL_ON, TALL_OFF = b"\x1d!\x01\x1c!\x08", b"\x1d!\x00\x1c!\x00"
ALIGN_LEFT, ALIGN_CENTER = b"\x1ba\x00", b"\x1ba\x01"  # ESC a n
FEED_DOTS = b"\x1bJ"  # ESC J n: feed n dots (the QR's quiet zone, above and below)
QUIET_MODULES = 4
IMAGE_IMPL = "bitImageRaster"  # GS v 0: the image command every cheap printer understands
FEED_BEFORE_TEAR = 4  # lines to feed so the last line clears the tear bar (no cutter)

TEMPLATE_DIR = Path(__file__).resolve().parents[2] / "templates"
PARTIAL = "hardware/_receipt.html"


def to_escpos(printer: Escpos, layout: Layout, config: PrinterConfig) -> None:
    """Write a laid-out document to a python-escpos printer, ending with a cut or a feed.

    Lines the printer's font can show go as GB bytes in Hanzi mode; other lines are drawn with
    the CJK font and sent as images (every line, in ``picture`` mode); QR codes are tight
    images of the code, or the printer's own QR command with ``?qr=native``.
    """
    if layout.columns != config.columns:
        raise ValueError(f"layout is for {layout.columns} columns, printer has {config.columns}")
    font_ok = cjk_font_available(config.font_path)
    picture_only = config.mode == "picture" and font_ok
    printer._raw(ESC_INIT)
    for row in layout.rows:
        if is_qr(row):
            _qr(printer, row, config)
            continue
        line = clean_text(row.render(layout.columns))
        bold = is_text(row) and row.bold
        tall = is_text(row) and row.tall
        if picture_only and not line.strip():
            printer._raw(b"\n")
            continue
        # Picture mode draws what needs a Chinese font; plain ASCII (rules, numbers) every
        # printer prints itself, in a tenth of the bytes.
        drawn = (picture_only and not line.isascii()) or (
            is_text(row) and getattr(row, "picture", False)
        )
        if drawn or not line_is_text(line, config.charset):
            if font_ok:
                img = line_image(
                    line, dots=config.dots, font_path=config.font_path, bold=bold, tall=tall
                )
                printer.image(img, impl=IMAGE_IMPL, center=False)
                pitch = LINE_HEIGHT_DOTS * (2 if tall else 1)
                if img.height < pitch:  # the band alone was sent: feed the line's rest
                    printer._raw(FEED_DOTS + bytes([pitch - img.height]))
                continue
            log.error("no CJK font at %s; printing %r with placeholders", config.font_path, line)
            line = _placeholders(line, config.charset)
        printer._raw(
            (BOLD_ON if bold else b"")
            + (TALL_ON if tall else b"")
            + hanzi_bytes(line, config.charset)
            + (TALL_OFF if tall else b"")
            + (BOLD_OFF if bold else b"")
            + b"\n"
        )
    if config.can_cut:
        printer.cut(mode="PART")  # feeds first; falls back to a full cut on printers without
    else:
        printer.print_and_feed(FEED_BEFORE_TEAR)


def _qr(printer: Escpos, row, config: PrinterConfig) -> None:
    """A QR code, centred by the printer (ESC a 1), its quiet zone fed as paper (ESC J), never
    as blank raster."""
    module = max(RECEIPT_QR_MODULE_DOTS, math.ceil(row.module_mm * DOTS_PER_MM))
    quiet = FEED_DOTS + bytes([min(255, QUIET_MODULES * module)])
    printer._raw(ALIGN_CENTER + quiet)
    if config.native_qr:
        printer.qr(row.payload, ec=QR_ECLEVEL_M, size=min(16, module), native=True)
    else:
        image = qr_image(row.payload, dots=config.dots, module_dots=module)
        printer.image(image, impl=IMAGE_IMPL, center=False)
    printer._raw(quiet + ALIGN_LEFT)


def _placeholders(line: str, charset: str) -> str:
    """Keep the columns when a character can be neither printed nor drawn."""
    return "".join(
        ch if printable_as_text(ch, charset) else ("□" if char_width(ch) == 2 else "?")
        for ch in line
    )


def render_escpos(layout: Layout, config: PrinterConfig) -> bytes:
    """The complete ESC/POS job for a layout, as bytes (the same for every backend)."""
    printer = Dummy(profile=printer_profile(config))
    to_escpos(printer, layout, config)
    return printer.output


# --- screen -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PreviewRow:
    kind: str  # "text" | "rule" | "qr"
    text: str = ""  # the line exactly as printed (QR rows: empty)
    bold: bool = False
    tall: bool = False
    payload: str = ""  # QR rows
    image_src: str = ""  # QR rows: a PNG data URI made here, no internet needed


@dataclass(frozen=True)
class ReceiptPreview:
    """What ``templates/hardware/_receipt.html`` renders: ``{% include %}`` it with ``receipt``."""

    columns: int
    slug: str
    rows: tuple[PreviewRow, ...]
    dom_id: str = "receipt-preview"


def preview_of(layout: Layout, *, dom_id: str = "receipt-preview") -> ReceiptPreview:
    rows = []
    for row in layout.rows:
        if is_qr(row):
            rows.append(PreviewRow("qr", payload=row.payload, image_src=qr_data_uri(row.payload)))
        elif is_text(row):
            rows.append(PreviewRow("text", row.render(layout.columns), row.bold, row.tall))
        else:
            rows.append(PreviewRow("rule", row.render(layout.columns)))
    return ReceiptPreview(layout.columns, layout.slug, tuple(rows), dom_id)


@functools.lru_cache(maxsize=256)
def qr_data_uri(payload: str) -> str:
    buf = io.BytesIO()
    qr_code_image(payload, box=1).save(buf, format="PNG", optimize=True)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


@functools.lru_cache(maxsize=1)
def _jinja() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATE_DIR),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )


def to_html(layout: Layout, *, dom_id: str = "receipt-preview") -> Markup:
    """The on-screen receipt: ``templates/hardware/_receipt.html`` rendered for ``layout``."""
    template = _jinja().get_template(PARTIAL)
    return Markup(template.render(receipt=preview_of(layout, dom_id=dom_id)))


def to_html_page(layout: Layout) -> str:
    """A standalone page around :func:`to_html`, for saved previews."""
    title = Markup.escape(layout.slug)
    return (
        '<!doctype html>\n<html lang="zh-CN">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{title}</title>\n</head>\n<body>\n{to_html(layout)}\n</body>\n</html>\n"
    )
