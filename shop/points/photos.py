"""Evidence photos (拍照记录) for recorded entries: checked, re-encoded, stripped.

Whatever a phone sends is opened by Pillow (JPEG, PNG, WebP, GIF's first frame; anything else is
refused as not a picture), turned upright from its EXIF orientation, shrunk to fit 1280 px and
saved again as a fresh JPEG. Nothing of the upload survives but its pixels: no EXIF (GPS, camera,
time), no ICC or comments, no trailing bytes after the image (a polyglot file), no script in a
"picture". A decompression bomb (a small file that opens to billions of pixels) is refused
before it is decoded.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass

from shop.errors import DomainError

MAX_PHOTOS = 4
MAX_BYTES = 12 * 1024 * 1024  # a phone's full-size photo, with room
MAX_PIXELS = 50_000_000  # 50 megapixels: more than any phone camera
MAX_SIDE = 1280
FORMATS = ("JPEG", "PNG", "WEBP", "GIF")


@dataclass(frozen=True)
class Photo:
    content: bytes
    width: int
    height: int
    sha256: str


def process_photo(data: bytes) -> Photo:
    """One upload -> a clean JPEG, or DomainError photo_too_large / invalid_picture."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    if not data:
        raise DomainError("invalid_picture", "empty")
    if len(data) > MAX_BYTES:
        raise DomainError("photo_too_large", f"{len(data)} bytes")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=FORMATS) as opened:
                width, height = opened.size
                if width * height > MAX_PIXELS or width < 1 or height < 1:
                    raise DomainError("invalid_picture", f"{width}x{height}")
                opened.seek(0)
                opened.load()
                image = ImageOps.exif_transpose(opened)
                image = image.convert("RGB")
    except DomainError:
        raise
    except (
        UnidentifiedImageError,
        OSError,
        ValueError,
        SyntaxError,
        EOFError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
    ) as exc:
        raise DomainError("invalid_picture", str(exc)[:100]) from exc
    image.thumbnail((MAX_SIDE, MAX_SIDE))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=82, optimize=True)  # no exif= argument: none is written
    content = out.getvalue()
    return Photo(content, image.width, image.height, hashlib.sha256(content).hexdigest())
