"""Chinese text on ESC/POS thermal paper (小票打印机的中文).

python-escpos encodes text through single-byte code pages and garbles Hanzi, so receipts never go
through ``printer.text()``. Instead a line is sent one of three ways:

* pure ASCII: the bytes as they are;
* text the printer's own font can show: GB2312/GBK/GB18030 bytes between ``FS &`` (Hanzi mode on)
  and ``FS .`` (Hanzi mode off);
* anything else (堃 on a GB2312 printer, emoji, rare characters): the line drawn with a CJK font
  as a 1-bit picture, sent with ``printer.image()``.

Column arithmetic follows what the printer does: an ASCII character takes one column (12 dots of
the standard 12x24 font), every double-byte character takes two (a 24x24 Hanzi cell).

This module does not import python-escpos; it works with anything that has ``_raw()`` and
``image()``.
"""

from __future__ import annotations

import functools
import logging
import os
import threading
from pathlib import Path

import qrcode
from PIL import Image, ImageDraw, ImageFont

from cjkwidth import char_width

log = logging.getLogger(__name__)

FS_HANZI_ON = b"\x1c\x26"  # FS &
FS_HANZI_OFF = b"\x1c\x2e"  # FS .
LF = b"\n"

CHARSETS = ("gb2312", "gbk", "gb18030")

#: scripts/system-deps.sh installs fonts-wqy-zenhei; KIOSK_CJK_FONT overrides.
DEFAULT_CJK_FONT = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"
# Tried in order after the configured font, per character, so a glyph missing from one font can
# come from the next. (path, face index): index 2 of Noto Sans CJK is Simplified Chinese.
# WenQuanYi Zen Hei has GBK and most of Extension A; HanaMin A and B (fonts-hanazono) have the
# rest of Extension A and all of Extension B (𠮷); GNU Unifont (fonts-unifont) has the rest of
# the BMP and, in unifont_upper, emoji and other planes, as plain outlines a printer can show.
FALLBACK_FONTS: tuple[tuple[str, int], ...] = (
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),
    ("/usr/share/fonts/truetype/hanazono/HanaMinA.ttf", 0),
    ("/usr/share/fonts/truetype/hanazono/HanaMinB.ttf", 0),
    ("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc", 2),
    ("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf", 0),
    ("/usr/share/fonts/opentype/unifont/unifont.otf", 0),
    ("/usr/share/fonts/opentype/unifont/unifont_upper.otf", 0),
)

#: Dots per text column: the standard ESC/POS font A is 12 dots wide, a Hanzi 24.
DOTS_PER_COLUMN = 12
#: A receipt's QR: 5 dots (0.625 mm) a module, 15.6 mm for the receipt's version-2 code.
RECEIPT_QR_MODULE_DOTS = 5
DOTS_PER_MM = 8  # 203 dpi, the thermal heads of 58 and 80 mm receipt printers
LINE_HEIGHT_DOTS = 30  # the printer's default line spacing (1/6 inch at 203 dpi)
GLYPH_SIZE_DOTS = 24

# FreeType faces are not thread-safe and the cached fonts are shared by the server's threads.
_draw_lock = threading.Lock()


# --- what the printer's font can show ---------------------------------------------------------


def check_charset(charset: str) -> str:
    charset = charset.lower().replace("-", "")
    if charset not in CHARSETS:
        raise ValueError(f"charset must be one of {', '.join(CHARSETS)}, not {charset!r}")
    return charset


@functools.lru_cache(maxsize=4096)
def printable_as_text(ch: str, charset: str) -> bool:
    """Whether the printer's built-in font can print this character in the given charset.

    ASCII, and characters that encode to exactly two bytes. GB18030's four-byte sequences (CJK
    extensions, emoji) encode fine but printer fonts rarely carry them, so they are drawn instead;
    so is GBK's single-byte euro sign.
    """
    if " " <= ch <= "~":
        return True
    try:
        encoded = ch.encode(charset)
    except UnicodeEncodeError:
        return False
    return len(encoded) == 2 and in_printer_font(encoded)


def in_printer_font(encoded: bytes) -> bool:
    """Whether a two-byte GB code is one printer fonts carry.

    Left out: the user-defined areas (AAA1-AFFE, F8A1-FEFE, A140-A7A0), and the codes GB18030
    moved between its 2000 and 2005 editions, which printer fonts built on either disagree
    about: FE50-FEA0 (䶮 U+4DAE is FE9F), the vertical forms A6D9-A6F5, ḿ ǹ (A8BC, A8BF) and
    the ideographic description characters A989-A995. These are drawn as pictures.
    """
    lead, trail = encoded[0], encoded[1]
    if lead == 0xFE and trail < 0xA1:
        return False
    if (0xAA <= lead <= 0xAF or 0xF8 <= lead <= 0xFE) and trail >= 0xA1:
        return False
    if 0xA1 <= lead <= 0xA7 and trail < 0xA1:
        return False
    if lead == 0xA6 and 0xD9 <= trail <= 0xF5:
        return False
    if (lead, trail) in ((0xA8, 0xBC), (0xA8, 0xBF)):
        return False
    return not (lead == 0xA9 and 0x89 <= trail <= 0x95)


def line_is_text(line: str, charset: str) -> bool:
    return all(printable_as_text(ch, charset) for ch in line)


def hanzi_bytes(line: str, charset: str) -> bytes:
    """The bytes for one line of text: ASCII as is, anything else inside FS & … FS .

    The caller checks :func:`line_is_text` first; characters outside the charset raise.
    """
    if line.isascii():
        return line.encode("ascii")
    return FS_HANZI_ON + line.encode(charset) + FS_HANZI_OFF


# --- drawing lines and QR codes ---------------------------------------------------------------


def _font_candidates(font_path: str | os.PathLike[str] | None) -> tuple[tuple[str, int], ...]:
    first = [(str(font_path), 0)] if font_path else []
    seen: set[tuple[str, int]] = set()
    out = []
    for cand in [*first, *FALLBACK_FONTS]:
        if cand not in seen and Path(cand[0]).is_file():
            seen.add(cand)
            out.append(cand)
    return tuple(out)


@functools.lru_cache(maxsize=16)
def _fonts(font_path: str | None, size: int) -> tuple[ImageFont.FreeTypeFont, ...]:
    fonts = []
    for path, index in _font_candidates(font_path):
        try:
            fonts.append(ImageFont.truetype(path, size, index=index))
        except OSError:
            log.warning("cannot load CJK font %s", path)
    return tuple(fonts)


def cjk_font_available(font_path: str | None) -> bool:
    return bool(_fonts(font_path, GLYPH_SIZE_DOTS))


def _glyph(font: ImageFont.FreeTypeFont, ch: str) -> bytes:
    size = int(font.size) * 2
    img = Image.new("L", (size, size), 0)
    ImageDraw.Draw(img).text((0, 0), ch, font=font, fill=255)
    return img.tobytes()


@functools.lru_cache(maxsize=8192)
def _font_for(ch: str, font_path: str | None, size: int) -> ImageFont.FreeTypeFont | None:
    """The first font that has a real glyph for ``ch`` (not its .notdef box). A character no
    font has is logged once (by its code point) and drawn as the first font's box."""
    fonts = _fonts(font_path, size)
    for font in fonts:
        if ch.isspace() or _glyph(font, ch) != _glyph(font, "\U0010fffd"):
            return font
    if fonts:
        log.warning("no installed font has U+%04X %s; printed as a box", ord(ch), ch)
    return fonts[0] if fonts else None


def missing_glyphs(text: str, font_path: str | None = None) -> list[str]:
    """The characters of ``text`` no font in the chain can draw."""
    fonts = _fonts(font_path, GLYPH_SIZE_DOTS)
    with _draw_lock:
        return [
            ch
            for ch in dict.fromkeys(text)
            if not ch.isspace()
            and char_width(ch)
            and not any(_glyph(f, ch) != _glyph(f, "\U0010fffd") for f in fonts)
        ]


def line_image(
    line: str,
    *,
    dots: int,
    font_path: str | None = None,
    bold: bool = False,
    tall: bool = False,
) -> Image.Image:
    """Draw one line of text as a 1-bit image at most ``dots`` wide, in the printer's column
    grid, cut after its last character.

    Each character sits in its own cell (12 dots per column), so a drawn line lines up with the
    text lines around it.
    """
    with _draw_lock:
        img, used = _draw_line(line, dots, font_path, bold)
    # No blank raster: the picture ends where the last character does (a whole byte), and it
    # is the glyph band alone when nothing is drawn outside it; the printer feeds the rest.
    width = min(dots, max(8, -(-used // 8) * 8))
    img = img.crop((0, 0, width, LINE_HEIGHT_DOTS))
    margin = (LINE_HEIGHT_DOTS - GLYPH_SIZE_DOTS) // 2
    outside = (
        img.crop((0, 0, width, margin)),
        img.crop((0, margin + GLYPH_SIZE_DOTS, width, LINE_HEIGHT_DOTS)),
    )
    if all(part.point(lambda v: 255 if v < 128 else 0).getbbox() is None for part in outside):
        img = img.crop((0, margin, width, margin + GLYPH_SIZE_DOTS))
    if tall:
        img = img.resize((width, img.height * 2), Image.Resampling.NEAREST)
    return img.point(lambda v: 255 if v >= 128 else 0).convert("1")


def _draw_line(line: str, dots: int, font_path: str | None, bold: bool) -> tuple[Image.Image, int]:
    img = Image.new("L", (dots, LINE_HEIGHT_DOTS), 255)
    draw = ImageDraw.Draw(img)
    x = used = 0
    for ch in line:
        cells = char_width(ch)
        if cells == 0:
            continue
        cell_w = cells * DOTS_PER_COLUMN
        if x + cell_w > dots:
            break
        font = _font_for(ch, font_path, GLYPH_SIZE_DOTS)
        if font is not None and not ch.isspace():
            draw.text(
                (x + cell_w / 2, LINE_HEIGHT_DOTS / 2),
                ch,
                font=font,
                fill=0,
                anchor="mm",
                stroke_width=1 if bold else 0,
                stroke_fill=0,
            )
        x += cell_w
        if not ch.isspace():
            used = x
    return img, used


def qr_code_image(payload: str, *, box: int = 1, border: int = 4) -> Image.Image:
    """The bare QR code (error correction M, ``border`` modules of quiet zone), ``box`` dots per
    module."""
    qr = qrcode.QRCode(
        error_correction=qrcode.constants.ERROR_CORRECT_M, border=border, box_size=box
    )
    qr.add_data(payload)
    qr.make(fit=True)
    return qr.make_image(fill_color="black", back_color="white").get_image().convert("1")


def qr_image(payload: str, *, dots: int, module_dots: int = RECEIPT_QR_MODULE_DOTS) -> Image.Image:
    """The QR code alone, ``module_dots`` a module, with no quiet zone and no blank canvas: the
    printer centres it (ESC a 1) and the quiet zone is feed (ESC J), so a slow serial link
    carries only the code (about 2 KB for a receipt instead of 8-20 KB)."""
    code = qr_code_image(payload, box=max(1, module_dots), border=0)
    if code.width > dots:
        raise ValueError(f"QR payload too long for {dots}-dot paper")
    return code
