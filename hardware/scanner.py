"""Passbook QR decoding for camera frames: `decode_frame(image) -> list[str]`.

A cascade, measured with `bench/scan.py`:

1. zxing-cpp on the frame as it is. It reads most frames in about a millisecond; on a hit
   the cascade stops there.
2. Only for the frames it misses, a bounded list of retries, cheapest and most fruitful
   first (the order is what the bench measured; see `FALLBACKS`):
   - the most QR-like patch of the frame (dense edges in both directions), cut out and scaled
     to a fixed size (260 or 200 pixels a side: a small, far code is enlarged up to 4 times),
     as it is, sharpened, or sharpened along each of four directions in turn (motion blur);
   - the same patch rescaled by its estimated module size, then sharpened, denoised or
     adaptively thresholded, read by zxing, zbar (pyzbar) and OpenCV's QR detector;
   - the whole frame at half, full, 1.5x and 2x size (far codes), denoised (median) or
     sharpened (unsharp mask), read by zxing with its local and its global binariser.
   The retries stop at the first that reads anything, or when the time budget is spent.
   Rotation and perspective need no step of their own: zxing's detector handles any angle.
   What each step buys: `bench/scan.py --set hard --steps`, docs/BENCHMARKS.md.

Every decoder here checks the QR's own Reed-Solomon error correction, so a result is text that
was decoded, never a guess. Whether it is a passbook code (`JF1…`, check character) is the
caller's business (`shop.codes.normalize`).

The decoders and the retries live in hardware.scan_cascade. Neither module imports anything
from the web app or the domain.
"""

from __future__ import annotations

import logging
import time

import cv2
import numpy as np
import zxingcpp

from hardware.scan_cascade import _MIN_SIDE, _QR, FALLBACKS, _Frame, _unique, _zxing

log = logging.getLogger(__name__)

DEFAULT_BUDGET_MS = 40.0  # fallbacks on a missed frame stop once this much time has gone


def decode_frame(image: object, *, budget_ms: float | None = DEFAULT_BUDGET_MS) -> list[str]:
    """The texts of the QR codes in a camera frame, in the order found, without repeats.

    `image` is a numpy array: grayscale (H×W or H×W×1), BGR (H×W×3) or BGRA (H×W×4); uint8,
    or bool, uint16, or float (0–1 or 0–255) converted to uint8. An empty or tiny image gives
    []. Anything that is not an image array raises ValueError. `budget_ms` bounds the time
    spent on fallbacks when the fast path finds nothing (None: no bound, 0: fast path only).
    """
    gray = to_gray(image)
    if gray is None:
        return []
    found = _zxing(gray)
    if found or budget_ms == 0:
        return found
    deadline = None if budget_ms is None else time.perf_counter() + budget_ms / 1000
    frame = _Frame(gray)
    for _name, step in FALLBACKS:
        try:
            found = step(frame)
        except cv2.error:
            log.debug("scan fallback %s failed", _name, exc_info=True)
            found = []
        if found:
            return _unique(found)
        if deadline is not None and time.perf_counter() >= deadline:
            break
    return []


def locate(image: object) -> list[tuple[str, list[tuple[float, float]]]]:
    """The QR codes zxing reads at once in a frame, each with its four corners (x, y) in the
    frame's pixels, clockwise from top left: for drawing an outline, not for scanning."""
    gray = to_gray(image)
    if gray is None:
        return []
    found = []
    for r in zxingcpp.read_barcodes(gray, formats=_QR):
        if r.valid:
            p = r.position
            corners = [p.top_left, p.top_right, p.bottom_right, p.bottom_left]
            found.append((r.text, [(float(c.x), float(c.y)) for c in corners]))
    return found


def to_gray(image: object) -> np.ndarray | None:
    """The frame as a contiguous 8-bit grayscale array; None if it is empty or too small."""
    if not isinstance(image, np.ndarray):
        raise ValueError(f"decode_frame needs a numpy image array, not {type(image).__name__}")
    img = image
    if img.ndim == 3 and img.shape[2] == 1:
        img = img[:, :, 0]
    if img.ndim not in (2, 3) or (img.ndim == 3 and img.shape[2] not in (3, 4)):
        raise ValueError(
            f"decode_frame needs a H×W gray, H×W×3 BGR or H×W×4 BGRA image, not shape {img.shape}"
        )
    if img.size == 0 or min(img.shape[:2]) < _MIN_SIDE:
        return None
    img = _to_uint8(img)
    if img.ndim == 3:
        code = cv2.COLOR_BGR2GRAY if img.shape[2] == 3 else cv2.COLOR_BGRA2GRAY
        img = cv2.cvtColor(img, code)
    return np.ascontiguousarray(img)


def _to_uint8(img: np.ndarray) -> np.ndarray:
    if img.dtype == np.uint8:
        return img
    if img.dtype == np.bool_:
        return img.astype(np.uint8) * 255
    if img.dtype == np.uint16:
        return (img >> 8).astype(np.uint8)
    if np.issubdtype(img.dtype, np.integer):
        return np.clip(img, 0, 255).astype(np.uint8)
    if np.issubdtype(img.dtype, np.floating):
        finite = np.nan_to_num(img, nan=0.0, posinf=255.0, neginf=0.0)
        scale = 255.0 if finite.size and float(finite.max()) <= 1.0 else 1.0
        return np.clip(finite * scale, 0, 255).astype(np.uint8)
    raise ValueError(f"decode_frame cannot read an image of dtype {img.dtype}")
