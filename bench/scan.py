"""Scan benchmark: synthetic webcam frames of passbook (积分存折) QR codes, four decoders compared.

Every frame is made here, seeded, so two runs with the same --seed see the same frames. A frame
is a passbook card with its QR (ECC M, as printed on the card) laid on a cluttered counter, seen
by a webcam: perspective and rotation, focus blur, hand shake, sensor noise, a dim or unevenly
lit shop, worn paper, JPEG artefacts. Several degradations are combined at random per frame.

Prints decode rate, wrong decodes (text that is not the code in the frame) and median / p95 ms
per frame for `decode_frame` (the cascade) and for zxing-cpp, pyzbar and OpenCV alone, by
resolution; for the cascade also the median over the frames zxing reads at once (its fast path).

`--set hard` makes the hard set instead (issue 13, item 10): one to three of crumpled, curved,
a thumb over a corner, glare, low light, motion blur, far (small) codes, strong tilt and a
photocopied or photographed print per frame (see HARD). `--steps` then says what each step of
the cascade buys: every fallback alone on the frames zxing misses, and the cascade's rate after
each step in its order.

    .venv/bin/python bench/scan.py --frames 400 --seed 1
    .venv/bin/python bench/scan.py --set hard --frames 400 --seed 1 --steps
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np
import qrcode

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from hardware.scanner import (  # noqa: E402
    DEFAULT_BUDGET_MS,
    FALLBACKS,
    decode_frame,
    to_gray,
)
from hardware.scanner import _Frame as ScanFrame  # noqa: E402
from shop.households.codes import ALPHABET, PASSBOOK_PREFIX, SECRET_CHARS, new_code, normalize  # noqa: E402

RESOLUTIONS = ((640, 480), (1280, 720))
_WORDS = ("HU 0123", "JF", "No. 88", "2024-03", "SOAP 120", "TOTAL", "CUN WEI", "8848")


def qr_modules(text: str) -> np.ndarray:
    """The QR as a bool matrix (True = dark), quiet zone of 4 modules included, ECC M."""
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4)
    qr.add_data(text)
    qr.make(fit=True)
    return np.array(qr.get_matrix(), dtype=bool)


def seeded_code(rng: np.random.Generator) -> str:
    """A passbook code like `new_code()` makes, but drawn from the bench's seed.

    `new_code()` draws from `secrets`, which no seed repeats; the check character is the one
    `normalize()` accepts.
    """
    body = PASSBOOK_PREFIX + "".join(ALPHABET[i] for i in rng.integers(0, 32, SECRET_CHARS))
    code = next(body + c for c in ALPHABET if normalize(body + c))
    assert len(code) == len(new_code())
    return code


def _clutter(rng: np.random.Generator, h: int, w: int) -> np.ndarray:
    """A shop counter: a wood/cloth tone, boxes, lines, printed words."""
    base = rng.integers(60, 200, 3).astype(np.float32)
    img = np.empty((h, w, 3), np.float32)
    img[:] = base
    xx = np.arange(w, dtype=np.float32)
    img += (np.sin(xx / rng.uniform(8, 40) + rng.uniform(0, 6)) * rng.uniform(0, 15))[None, :, None]
    img = img.clip(0, 255).astype(np.uint8)
    for _ in range(int(rng.integers(6, 20))):
        color = tuple(int(c) for c in rng.integers(0, 256, 3))
        kind = rng.integers(0, 4)
        p1 = (int(rng.integers(0, w)), int(rng.integers(0, h)))
        if kind == 0:
            p2 = (
                p1[0] + int(rng.integers(-w // 4, w // 4)),
                p1[1] + int(rng.integers(-h // 4, h // 4)),
            )
            cv2.rectangle(img, p1, p2, color, -1 if rng.random() < 0.6 else int(rng.integers(1, 5)))
        elif kind == 1:
            cv2.circle(
                img, p1, int(rng.integers(5, h // 6)), color, -1 if rng.random() < 0.5 else 2
            )
        elif kind == 2:
            p2 = (int(rng.integers(0, w)), int(rng.integers(0, h)))
            cv2.line(img, p1, p2, color, int(rng.integers(1, 6)))
        else:
            word = _WORDS[int(rng.integers(0, len(_WORDS)))]
            cv2.putText(
                img,
                word,
                p1,
                cv2.FONT_HERSHEY_SIMPLEX,
                rng.uniform(0.5, 2.0),
                color,
                int(rng.integers(1, 4)),
            )
    # A checkerboard-ish pattern now and then: printed forms and woven baskets fool finders.
    if rng.random() < 0.3:
        s = int(rng.integers(4, 12))
        x0, y0 = int(rng.integers(0, w - 10 * s)), int(rng.integers(0, h - 10 * s))
        board = (np.indices((10, 10)).sum(axis=0) % 2).repeat(s, 0).repeat(s, 1)
        img[y0 : y0 + 10 * s, x0 : x0 + 10 * s] = (board * 200 + 30)[..., None]
    return img


def _card(rng: np.random.Generator, modules: np.ndarray, px: int, wear: float) -> np.ndarray:
    """The passbook card at `px` pixels per module: paper, the QR, printed text beside it."""
    n = modules.shape[0]
    qr = np.where(modules, 0, 255).astype(np.uint8).repeat(px, 0).repeat(px, 1)
    pad = px * 3
    h, w = qr.shape[0] + 2 * pad, qr.shape[1] + 2 * pad + px * n // 2
    paper = np.array(rng.integers(215, 250, 3), np.float32)
    ink = np.array(rng.integers(10, 60, 3), np.float32)
    card = np.empty((h, w, 3), np.float32)
    card[:] = paper
    dark = np.zeros((h, w), bool)
    dark[pad : pad + qr.shape[0], pad : pad + qr.shape[1]] = qr == 0
    # Printing dot gain: dark modules bleed a little into their neighbours.
    if rng.random() < 0.5:
        k = max(1, int(px * rng.uniform(0.05, 0.2)))
        dark = cv2.dilate(dark.astype(np.uint8), np.ones((k, k), np.uint8)).astype(bool)
    card[dark] = ink
    card = card.astype(np.uint8)
    tx = pad + qr.shape[1] + px
    for i in range(3):
        cv2.putText(
            card,
            f"No.{rng.integers(0, 9999):04d}",
            (tx, pad + (i + 1) * px * 5),
            cv2.FONT_HERSHEY_SIMPLEX,
            px / 12,
            tuple(int(c) for c in ink),
            max(1, px // 5),
        )
    card = card.astype(np.float32)
    if wear > 0:
        _wear(rng, card, (pad, pad, qr.shape[1], qr.shape[0]), px, wear, paper, ink)
    return card.clip(0, 255).astype(np.uint8)


def _wear(rng, card, box, px, wear, paper, ink) -> None:
    """Worn paper: faded ink, scuffs, a crease, a few stains over the code."""
    x0, y0, qw, qh = box
    region = card[y0 : y0 + qh, x0 : x0 + qw]
    fade = rng.uniform(0.0, 0.5 * wear)
    region += (paper - region) * fade
    for _ in range(int(rng.integers(1, 3 + 4 * wear))):
        cx, cy = int(rng.integers(0, qw)), int(rng.integers(0, qh))
        r = int(px * rng.uniform(0.4, 0.8 + 0.8 * wear))
        color = paper * rng.uniform(0.85, 1.0) if rng.random() < 0.6 else ink * 1.5 + 60
        cv2.circle(region, (cx, cy), r, tuple(float(c) for c in color), -1)
    if rng.random() < wear:
        # A crease: a thin light line with a darker shadow beside it.
        a = rng.uniform(0, math.pi)
        cx, cy = qw / 2 + rng.uniform(-qw / 4, qw / 4), qh / 2 + rng.uniform(-qh / 4, qh / 4)
        d = max(qw, qh)
        p1 = (int(cx - d * math.cos(a)), int(cy - d * math.sin(a)))
        p2 = (int(cx + d * math.cos(a)), int(cy + d * math.sin(a)))
        cv2.line(region, p1, p2, tuple(float(c) for c in paper * 0.7), max(1, px // 3))
        cv2.line(
            region,
            (p1[0] + 1, p1[1] + 1),
            (p2[0] + 1, p2[1] + 1),
            tuple(float(c) for c in paper),
            max(1, px // 4),
        )


@dataclass
class Frame:
    image: np.ndarray
    code: str
    size: tuple[int, int]
    degradations: list[str] = field(default_factory=list)
    corners: np.ndarray | None = None  # the QR's four corners in the frame (quiet zone included)


def make_frame(rng: np.random.Generator, size: tuple[int, int], code: str | None = None) -> Frame:
    """One synthetic webcam frame (BGR uint8) of a passbook QR; degradations drawn from rng."""
    w, h = size
    code = code or seeded_code(rng)
    modules = qr_modules(code)
    n = modules.shape[0]
    applied: list[str] = []
    # How big the code is in the frame: a card held 15 to 40 cm from a webcam. Blur and shake
    # are measured in modules (a QR cell), as that is what decides whether a code still reads.
    target = rng.uniform(95, 230) * h / 480  # QR side in pixels, quiet zone included
    module = target / n
    px = max(2, int(math.ceil(target / n * 2)))  # render finer, then warp down
    wear = rng.uniform(0.2, 1.0) if rng.random() < 0.4 else 0.0
    if wear:
        applied.append("wear")
    card = _card(rng, modules, px, wear)
    frame = _clutter(rng, h, w)
    # Perspective: the card tilted towards or away from the camera, then rotated in plane.
    ch, cw = card.shape[:2]
    src = np.float32([[0, 0], [cw, 0], [cw, ch], [0, ch]])
    k = target / (n * px)
    dst = src * k
    tilt = rng.uniform(0, 0.22) if rng.random() < 0.6 else 0.0
    if tilt:
        applied.append("perspective")
        dst += rng.uniform(-tilt, tilt, (4, 2)).astype(np.float32) * (cw * k)
    angle = rng.uniform(0, 360) if rng.random() < 0.6 else rng.uniform(-8, 8)
    if abs(angle) > 8:
        applied.append("rotation")
    centre = dst.mean(axis=0)
    rot = cv2.getRotationMatrix2D((float(centre[0]), float(centre[1])), angle, 1.0)
    dst = (np.hstack([dst, np.ones((4, 1), np.float32)]) @ rot.T).astype(np.float32)
    lo, hi = dst.min(axis=0), dst.max(axis=0)
    span = hi - lo
    ox = rng.uniform(-lo[0], max(-lo[0] + 1, w - hi[0])) if span[0] < w else -lo[0]
    oy = rng.uniform(-lo[1], max(-lo[1] + 1, h - hi[1])) if span[1] < h else -lo[1]
    dst += np.float32([ox, oy])
    m = cv2.getPerspectiveTransform(src, dst)
    pad, side = px * 3, n * px  # where _card put the QR
    box = np.float32([[pad, pad], [pad + side, pad], [pad + side, pad + side], [pad, pad + side]])
    corners = cv2.perspectiveTransform(box[None], m)[0]
    # The lens never resolves finer than about a pixel: anti-alias before the warp shrinks the card.
    card = cv2.GaussianBlur(card, (0, 0), 0.5 / k)
    warped = cv2.warpPerspective(card, m, (w, h), flags=cv2.INTER_LINEAR)
    mask = cv2.warpPerspective(np.full((ch, cw), 255, np.uint8), m, (w, h), flags=cv2.INTER_LINEAR)
    alpha = (mask.astype(np.float32) / 255)[..., None]
    img = frame.astype(np.float32) * (1 - alpha) + warped.astype(np.float32) * alpha

    if rng.random() < 0.5:
        applied.append("lighting")
        a = rng.uniform(0, 2 * math.pi)
        xs = np.arange(w, dtype=np.float32) * math.cos(a)
        ys = np.arange(h, dtype=np.float32) * math.sin(a)
        g = (xs[None, :] + ys[:, None]) / math.hypot(w, h)
        g = (g - g.min()) / (np.ptp(g) + 1e-6)
        low = rng.uniform(0.3, 0.8)
        light = low + (1 - low) * g
        if rng.random() < 0.3:  # a hard shadow edge, from a hand or the kiosk's hood
            edge = rng.uniform(0.3, 0.7)
            light = np.where(g < edge, light * rng.uniform(0.45, 0.75), light)
        img *= light[..., None]
    if rng.random() < 0.4:
        applied.append("low-contrast")
        c = rng.uniform(0.3, 0.6)
        mid = rng.uniform(90, 170)
        img = mid + (img - mid) * c
    if rng.random() < 0.45:
        applied.append("blur")
        img = cv2.GaussianBlur(img, (0, 0), rng.uniform(0.2, 0.45) * module)
    if rng.random() < 0.35:
        applied.append("motion")
        length = max(3, round(rng.uniform(0.6, 1.3) * module))
        kern = np.zeros((length, length), np.float32)
        kern[length // 2, :] = 1
        rm = cv2.getRotationMatrix2D((length / 2 - 0.5, length / 2 - 0.5), rng.uniform(0, 180), 1)
        kern = cv2.warpAffine(kern, rm, (length, length))
        img = cv2.filter2D(img, -1, kern / kern.sum())
    if rng.random() < 0.5:
        applied.append("noise")
        img += rng.standard_normal(img.shape, dtype=np.float32) * rng.uniform(3, 12)
    img = img.clip(0, 255).astype(np.uint8)
    if rng.random() < 0.5:
        applied.append("jpeg")
        q = int(rng.integers(15, 60))
        ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, q])
        img = cv2.imdecode(buf, cv2.IMREAD_COLOR)
    return Frame(img, code, size, applied, corners)


# -- the hard set (issue 13, item 10) -------------------------------------------------------------
#
# What a village counter really shows the camera, one to three of these at once per frame, over
# the ordinary webcam damage (focus, noise, JPEG as the webcam's MJPEG sends it):

HARD = (
    "crumpled",  # a card kept in a pocket: the paper bent in soft waves, shaded by them
    "curved",  # held by its edges, bowed around one axis
    "thumb",  # a thumb over a corner of the code
    "glare",  # the shop's lamp reflected off a laminated or glossy card, burning out a patch
    "low-light",  # a dim shop in the evening: a dark, noisy picture
    "motion",  # the card still moving: 1-2.2 modules of motion blur
    "far",  # held far off, or a small code: 1.5-2.4 pixels a module
    "tilt",  # strongly tilted towards or away from the lens
    "photocopy",  # a printed or thermal card photocopied or photographed: streaks, faded ink
)


def _bent(rng: np.random.Generator, card: np.ndarray, px: int, kind: str) -> np.ndarray:
    """The card bent: pixels displaced by a smooth field, shaded where the paper turns away."""
    h, w = card.shape[:2]
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    dx = np.zeros((h, w), np.float32)
    dy = np.zeros((h, w), np.float32)
    shade = np.ones((h, w), np.float32)
    if kind == "curved":
        amp = rng.uniform(0.8, 2.0) * px
        if rng.random() < 0.5:
            bow = np.sin(np.pi * xx / w)
            dy += amp * bow
            dx += (amp * 0.3) * np.cos(np.pi * xx / w)
        else:
            bow = np.sin(np.pi * yy / h)
            dx += amp * bow
            dy += (amp * 0.3) * np.cos(np.pi * yy / h)
        shade *= 1 - rng.uniform(0.1, 0.35) * (1 - bow)
    else:
        for _ in range(int(rng.integers(3, 7))):
            cx, cy = rng.uniform(0, w), rng.uniform(0, h)
            r = rng.uniform(0.15, 0.4) * max(w, h)
            bump = np.exp(-((xx - cx) ** 2 + (yy - cy) ** 2) / (2 * r * r))
            a = rng.uniform(-1.0, 1.0, 2) * px * rng.uniform(0.5, 1.3)
            dx += a[0] * bump
            dy += a[1] * bump
            gx, gy = np.gradient(bump)
            slope = rng.uniform(-1, 1, 2)
            shade *= 1 + 0.5 * r * (slope[0] * gx + slope[1] * gy) / max(1.0, r) * 6
        # Creases: sharp fold lines, a light side and a dark side.
        for _ in range(int(rng.integers(1, 4))):
            a = rng.uniform(0, np.pi)
            c = rng.uniform(0.2, 0.8, 2) * (w, h)
            dist = (xx - c[0]) * np.cos(a) + (yy - c[1]) * np.sin(a)
            shade *= 1 - rng.uniform(0.1, 0.3) * np.exp(-(dist**2) / (2 * (0.4 * px) ** 2))
    shade = shade.clip(0.4, 1.2)
    out = cv2.remap(card, xx + dx, yy + dy, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    return (out.astype(np.float32) * shade[..., None]).clip(0, 255).astype(np.uint8)


def _photocopied(rng: np.random.Generator, card: np.ndarray, px: int) -> np.ndarray:
    """A thermal print's missing dots (white streaks down the paper), faded ink, a copier's
    grey background and speckle."""
    out = card.astype(np.float32)
    h, w = out.shape[:2]
    paper = np.median(out.reshape(-1, 3), axis=0)
    for _ in range(int(rng.integers(1, 4))):  # a dirty print head: a streak along the paper
        x = int(rng.integers(0, w))
        width = max(1, int(px * rng.uniform(0.15, 0.45)))
        out[:, x : x + width] = out[:, x : x + width] * 0.3 + paper * 0.7
    out += (paper - out) * rng.uniform(0.2, 0.5)  # faded or light toner
    out = out * rng.uniform(0.75, 0.95) + rng.uniform(5, 30)  # grey copier paper
    speckle = rng.random((h, w)) < rng.uniform(0.002, 0.01)
    out[speckle] = rng.uniform(0, 80)
    return out.clip(0, 255).astype(np.uint8)


def make_hard_frame(
    rng: np.random.Generator, size: tuple[int, int], code: str | None = None
) -> Frame:
    """One frame of the hard set: 1 to 3 of HARD on a webcam frame of a passbook QR."""
    w, h = size
    code = code or seeded_code(rng)
    modules = qr_modules(code)
    n = modules.shape[0]
    chosen = list(rng.choice(HARD, size=int(rng.choice([1, 2, 2, 3, 3])), replace=False))
    if "far" in chosen:
        module = rng.uniform(1.5, 2.4)
    else:
        module = rng.uniform(2.8, 7.0) * h / 480
    target = module * n
    px = max(4, int(math.ceil(module * 2)))
    card = _card(rng, modules, px, rng.uniform(0.1, 0.6) if rng.random() < 0.3 else 0.0)
    if "photocopy" in chosen:
        card = _photocopied(rng, card, px)
    for kind in ("crumpled", "curved"):
        if kind in chosen:
            card = _bent(rng, card, px, kind)
    frame = _clutter(rng, h, w)
    ch, cw = card.shape[:2]
    src = np.float32([[0, 0], [cw, 0], [cw, ch], [0, ch]])
    k = target / (n * px)
    dst = src * k
    tilt = rng.uniform(0.22, 0.34) if "tilt" in chosen else rng.uniform(0, 0.12)
    dst += rng.uniform(-tilt, tilt, (4, 2)).astype(np.float32) * (cw * k)
    angle = rng.uniform(0, 360) if rng.random() < 0.5 else rng.uniform(-10, 10)
    centre = dst.mean(axis=0)
    rot = cv2.getRotationMatrix2D((float(centre[0]), float(centre[1])), angle, 1.0)
    dst = (np.hstack([dst, np.ones((4, 1), np.float32)]) @ rot.T).astype(np.float32)
    lo, hi = dst.min(axis=0), dst.max(axis=0)
    span = hi - lo
    ox = rng.uniform(-lo[0], max(-lo[0] + 1, w - hi[0])) if span[0] < w else -lo[0]
    oy = rng.uniform(-lo[1], max(-lo[1] + 1, h - hi[1])) if span[1] < h else -lo[1]
    dst += np.float32([ox, oy])
    m = cv2.getPerspectiveTransform(src, dst)
    pad, side = px * 3, n * px
    box = np.float32([[pad, pad], [pad + side, pad], [pad + side, pad + side], [pad, pad + side]])
    corners = cv2.perspectiveTransform(box[None], m)[0]
    card = cv2.GaussianBlur(card, (0, 0), 0.5 / k)
    warped = cv2.warpPerspective(card, m, (w, h), flags=cv2.INTER_LINEAR)
    mask = cv2.warpPerspective(np.full((ch, cw), 255, np.uint8), m, (w, h), flags=cv2.INTER_LINEAR)
    alpha = (mask.astype(np.float32) / 255)[..., None]
    img = frame.astype(np.float32) * (1 - alpha) + warped.astype(np.float32) * alpha
    qr_side = float(np.linalg.norm(corners[1] - corners[0]))
    inner = corners.mean(axis=0)

    if "thumb" in chosen:
        # A thumb from outside the card over one corner of the code. Mostly the corner with no
        # finder pattern (bottom right); else it reaches just into a finder's edge.
        corner = 2 if rng.random() < 0.6 else int(rng.choice([0, 1, 3]))
        reach = rng.uniform(0.15, 0.3) if corner == 2 else rng.uniform(0.04, 0.1)
        tip = corners[corner] + (inner - corners[corner]) * reach * 2
        out = corners[corner] - (inner - corners[corner]) * 0.6
        axis = out - tip
        length = float(np.linalg.norm(axis)) + 1
        centre = (tip + out) / 2
        angle = math.degrees(math.atan2(axis[1], axis[0]))
        thumb = np.zeros((h, w), np.float32)
        cv2.ellipse(
            thumb,
            (int(centre[0]), int(centre[1])),
            (int(length / 2), int(qr_side * rng.uniform(0.16, 0.24))),
            angle,
            0,
            360,
            1.0,
            -1,
        )
        thumb = cv2.GaussianBlur(thumb, (0, 0), max(1.0, qr_side / 60))[..., None]
        skin = np.array(rng.uniform([90, 120, 170], [130, 160, 220]), np.float32)
        img = img * (1 - thumb) + skin * thumb
    if "glare" in chosen:
        spot = inner + rng.uniform(-0.3, 0.3, 2) * qr_side
        r = qr_side * rng.uniform(0.15, 0.32)
        yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
        squash = rng.uniform(0.5, 1.5)
        blob = np.exp(-((xx - spot[0]) ** 2 + ((yy - spot[1]) * squash) ** 2) / (2 * r * r))
        img += blob[..., None] * rng.uniform(120, 260)
    if "low-light" in chosen:
        img *= rng.uniform(0.08, 0.25)
        img += rng.standard_normal(img.shape, dtype=np.float32) * rng.uniform(2.5, 6)
    if "motion" in chosen:
        length = max(3, round(rng.uniform(1.0, 2.2) * module))
        kern = np.zeros((length, length), np.float32)
        kern[length // 2, :] = 1
        rm = cv2.getRotationMatrix2D((length / 2 - 0.5, length / 2 - 0.5), rng.uniform(0, 180), 1)
        kern = cv2.warpAffine(kern, rm, (length, length))
        img = cv2.filter2D(img, -1, kern / kern.sum())
    # The ordinary webcam: a little out of focus, sensor noise, MJPEG.
    img = cv2.GaussianBlur(img, (0, 0), rng.uniform(0.15, 0.35) * module)
    img += rng.standard_normal(img.shape, dtype=np.float32) * rng.uniform(1.5, 5)
    img = img.clip(0, 255).astype(np.uint8)
    ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, int(rng.integers(40, 80))])
    img = cv2.imdecode(buf, cv2.IMREAD_COLOR)
    return Frame(img, code, size, sorted(chosen), corners)


def make_set(frames: int, seed: int, hard: bool = False) -> list[Frame]:
    rng = np.random.default_rng(seed)
    make = make_hard_frame if hard else make_frame
    return [make(rng, RESOLUTIONS[i % len(RESOLUTIONS)]) for i in range(frames)]


# -- the decoders alone, each as a service would call it on a BGR frame -------------------------


def zxing_alone(image: np.ndarray) -> list[str]:
    import zxingcpp

    return [
        r.text for r in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCodeModel2)
    ]


def pyzbar_alone(image: np.ndarray) -> list[str]:
    from pyzbar import pyzbar

    gray = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    found = pyzbar.decode(gray, symbols=[pyzbar.ZBarSymbol.QRCODE])
    return [r.data.decode("utf-8", "replace") for r in found]


_CV_DETECTOR = None


def opencv_alone(image: np.ndarray) -> list[str]:
    global _CV_DETECTOR
    if _CV_DETECTOR is None:
        _CV_DETECTOR = cv2.QRCodeDetector()
    text, _points, _ = _CV_DETECTOR.detectAndDecode(image)
    return [text] if text else []


DECODERS: dict[str, Callable[[np.ndarray], list[str]]] = {
    "decode_frame": decode_frame,
    "zxing-cpp": zxing_alone,
    "pyzbar": pyzbar_alone,
    "opencv": opencv_alone,
}


def run(frames: list[Frame], name: str, fn, at_once: set[int] | None = None) -> dict:
    rows = {}
    for size in RESOLUTIONS:
        rows[size] = {"n": 0, "ok": 0, "wrong": 0, "ms": [], "fast_ms": []}
    for i, f in enumerate(frames):
        t = time.perf_counter()
        found = fn(f.image)
        ms = (time.perf_counter() - t) * 1000
        r = rows[f.size]
        r["n"] += 1
        r["ms"].append(ms)
        if at_once is not None and i in at_once:
            r["fast_ms"].append(ms)
        if f.code in found:
            r["ok"] += 1
        if any(text != f.code for text in found):
            r["wrong"] += 1
    return rows


def _p95(values: list[float]) -> float:
    return float(np.percentile(values, 95)) if values else float("nan")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--frames", type=int, default=400, help="frames in the set (half per resolution)"
    )
    ap.add_argument("--seed", type=int, default=1, help="seed for codes and degradations")
    ap.add_argument("--set", choices=("ordinary", "hard"), default="ordinary", help="which frames")
    ap.add_argument("--steps", action="store_true", help="what each cascade step buys")
    ap.add_argument("--only", choices=sorted(DECODERS), action="append", help="decoders to run")
    ap.add_argument(
        "--budget-ms",
        type=float,
        default=DEFAULT_BUDGET_MS,
        help=f"decode_frame's fallback budget per frame (default {DEFAULT_BUDGET_MS:g})",
    )
    args = ap.parse_args(argv)
    DECODERS["decode_frame"] = lambda image: decode_frame(image, budget_ms=args.budget_ms)

    t = time.perf_counter()
    frames = make_set(args.frames, args.seed, hard=args.set == "hard")
    made = time.perf_counter() - t
    print(f"{len(frames)} {args.set} frames, seed {args.seed}, made in {made:.1f} s")
    mix = Counter(d for f in frames for d in f.degradations)
    print("degradations (frames with each):", ", ".join(f"{d} {n}" for d, n in mix.most_common()))
    print(f"decode_frame fallback budget {args.budget_ms:g} ms per frame")
    names = args.only or list(DECODERS)
    for fn in DECODERS.values():  # warm-up: imports, detector construction
        fn(frames[0].image)
    at_once = {i for i, f in enumerate(frames) if f.code in zxing_alone(f.image)}
    print(
        f"{'decoder':<13} {'size':>9} {'frames':>6} {'decoded':>8} {'rate':>7} "
        f"{'wrong':>5} {'median ms':>9} {'p95 ms':>7} {'median ms, zxing reads at once':>31}"
    )
    for name in names:
        rows = run(frames, name, DECODERS[name], at_once if name == "decode_frame" else None)
        total = {"n": 0, "ok": 0, "wrong": 0, "ms": [], "fast_ms": []}
        for size, r in rows.items():
            for key in ("n", "ok", "wrong"):
                total[key] += r[key]
            total["ms"] += r["ms"]
            total["fast_ms"] += r["fast_ms"]
            _print_row(name, f"{size[0]}x{size[1]}", r)
        _print_row(name, "all", total)
    if args.steps:
        steps(frames, at_once)
    return 0


def steps(frames: list[Frame], at_once: set[int]) -> None:
    """Every fallback alone on the frames zxing misses, then the cascade's rate step by step.

    No time budget here: what each step can read, and what it costs on a frame it is tried on.
    """
    missed = [f for i, f in enumerate(frames) if i not in at_once]
    reads: dict[str, set[int]] = {name: set() for name, _ in FALLBACKS}
    costs: dict[str, list[float]] = {name: [] for name, _ in FALLBACKS}
    wrong: Counter = Counter()
    for i, f in enumerate(missed):
        frame = ScanFrame(to_gray(f.image))
        for name, step in FALLBACKS:
            t = time.perf_counter()
            try:
                found = step(frame)
            except cv2.error:
                found = []
            costs[name].append((time.perf_counter() - t) * 1000)
            if f.code in found:
                reads[name].add(i)
            wrong[name] += any(text != f.code for text in found)
    n = len(frames)
    done = len(at_once)
    print(f"\nwhat each step buys ({len(missed)} frames zxing misses; no time budget)")
    print(
        f"{'step':<42} {'reads alone':>11} {'first to read':>13} {'rate after':>10} "
        f"{'wrong':>5} {'median ms':>9}"
    )
    print(
        f"{'zxing-cpp on the frame (the fast path)':<42} {'':>11} {done:>13} "
        f"{100 * done / n:>9.1f}% {'':>5} {'':>9}"
    )
    read: set[int] = set()
    for name, _ in FALLBACKS:
        first = reads[name] - read
        read |= reads[name]
        print(
            f"{name:<42} {len(reads[name]):>11} {len(first):>13} "
            f"{100 * (done + len(read)) / n:>9.1f}% {wrong[name]:>5} "
            f"{statistics.median(costs[name]):>9.2f}"
        )


def _print_row(name: str, label: str, r: dict) -> None:
    rate = 100 * r["ok"] / r["n"] if r["n"] else 0.0
    med = statistics.median(r["ms"]) if r["ms"] else float("nan")
    fast = f"{statistics.median(r['fast_ms']):.2f}" if r["fast_ms"] else ""
    print(
        f"{name:<13} {label:>9} {r['n']:>6} {r['ok']:>8} {rate:>6.1f}% {r['wrong']:>5} "
        f"{med:>9.2f} {_p95(r['ms']):>7.2f} {fast:>31}"
    )


if __name__ == "__main__":
    raise SystemExit(main())
