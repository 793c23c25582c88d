"""decode_frame on real generated images: clean, degraded, empty, doubled, and not images at all.

No decoder is mocked. Hard frames are decoded with `budget_ms=None` so a slow or loaded test
machine cannot turn a time budget into a flaky failure.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest
import qrcode

from bench.scan import _clutter, make_set
from hardware.scanner import decode_frame
from shop.households.codes import new_code, normalize


def qr_image(text: str, module: int = 5) -> np.ndarray:
    """The printed QR (ECC M, quiet zone of 4 modules), dark 30 on paper 230."""
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4)
    qr.add_data(text)
    modules = np.array(qr.get_matrix(), dtype=bool)
    return np.where(modules, 30, 230).astype(np.uint8).repeat(module, 0).repeat(module, 1)


def on_canvas(*codes: np.ndarray, size=(640, 480), background: int = 150) -> np.ndarray:
    """Gray frame with the QR images placed side by side, centred."""
    w, h = size
    frame = np.full((h, w), background, np.uint8)
    total = sum(c.shape[1] for c in codes) + 20 * (len(codes) - 1)
    x = (w - total) // 2
    for c in codes:
        y = (h - c.shape[0]) // 2
        frame[y : y + c.shape[0], x : x + c.shape[1]] = c
        x += c.shape[1] + 20
    return frame


def degraded(text: str) -> np.ndarray:
    """Rotated 30°, out of focus by almost half a module, dim and noisy: zxing alone misses it."""
    frame = on_canvas(qr_image(text, module=4)).astype(np.float32)
    rot = cv2.getRotationMatrix2D((320, 240), 30, 1.0)
    frame = cv2.warpAffine(frame, rot, (640, 480), borderValue=150)
    frame = 150 + (frame - 150) * 0.6
    frame = cv2.GaussianBlur(frame, (0, 0), 1.8)
    frame += np.random.default_rng(7).standard_normal(frame.shape, dtype=np.float32) * 8
    return np.clip(frame, 0, 255).astype(np.uint8)


@pytest.fixture
def code() -> str:
    return new_code()


def test_clean_code_decodes_from_gray(code):
    assert decode_frame(on_canvas(qr_image(code))) == [code]


def test_clean_code_decodes_from_bgr_and_bgra(code):
    gray = on_canvas(qr_image(code))
    assert decode_frame(cv2.cvtColor(gray, cv2.COLOR_GRAY2BGR)) == [code]
    assert decode_frame(cv2.cvtColor(gray, cv2.COLOR_GRAY2BGRA)) == [code]


def test_decoded_text_is_raw_and_the_caller_validates_it(code):
    found = decode_frame(on_canvas(qr_image(code)))
    assert all(isinstance(text, str) for text in found)
    assert normalize(found[0]) == code
    assert decode_frame(on_canvas(qr_image("HELLO"))) == ["HELLO"], "not ours, still returned"


def test_rotated_blurred_code_is_read_by_the_fallbacks(code):
    frame = degraded(code)
    assert decode_frame(frame, budget_ms=0) == [], "the fast path alone misses this frame"
    assert decode_frame(frame, budget_ms=None) == [code]


def test_frame_without_a_code_gives_nothing():
    rng = np.random.default_rng(3)
    for size in ((640, 480), (1280, 720)):
        assert decode_frame(_clutter(rng, size[1], size[0])) == []
    assert decode_frame(np.full((480, 640), 255, np.uint8)) == []
    assert decode_frame(np.zeros((480, 640, 3), np.uint8)) == []


def test_two_codes_in_one_frame_are_both_returned():
    first, second = new_code(), new_code()
    found = decode_frame(on_canvas(qr_image(first, 4), qr_image(second, 4)))
    assert sorted(found) == sorted([first, second])


def test_the_same_code_twice_is_returned_once(code):
    assert decode_frame(on_canvas(qr_image(code, 4), qr_image(code, 4))) == [code]


def test_inverted_code_is_read(code):
    assert decode_frame(255 - on_canvas(qr_image(code))) == [code]


@pytest.mark.parametrize(
    "convert",
    [
        lambda g: g.astype(np.float32) / 255,  # float 0..1
        lambda g: g.astype(np.float64),  # float 0..255
        lambda g: g.astype(np.uint16) * 257,  # 16-bit camera
        lambda g: g.astype(np.int32),
        lambda g: g[:, :, None],  # H×W×1
        lambda g: np.asfortranarray(g),  # not C-contiguous
        lambda g: g[::-1, ::-1],  # negative strides, upside down
    ],
    ids=["float01", "float255", "uint16", "int32", "hw1", "fortran", "flipped"],
)
def test_other_image_layouts_are_converted(code, convert):
    assert decode_frame(convert(on_canvas(qr_image(code)))) == [code]


def test_bool_image_is_read(code):
    assert decode_frame(on_canvas(qr_image(code)) > 128) == [code]


@pytest.mark.parametrize(
    "image",
    [np.zeros((0, 0), np.uint8), np.zeros((0, 640, 3), np.uint8), np.zeros((10, 10), np.uint8),
     np.full((480, 640), np.nan, np.float32)],
    ids=["empty", "empty-bgr", "tiny", "nan"],
)  # fmt: skip
def test_empty_tiny_or_blank_images_give_nothing(image):
    assert decode_frame(image) == []


@pytest.mark.parametrize(
    "bad",
    [None, "frame.png", [[0, 255], [255, 0]], 42, b"\x00" * 100],
    ids=["none", "str", "list", "int", "bytes"],
)
def test_non_images_are_refused_with_a_clear_message(bad):
    with pytest.raises(ValueError, match="numpy image array"):
        decode_frame(bad)


@pytest.mark.parametrize(
    "bad",
    [np.zeros(640, np.uint8), np.zeros((48, 64, 2), np.uint8), np.zeros((4, 48, 64, 3), np.uint8)],
    ids=["1d", "2-channel", "4d"],
)
def test_arrays_of_the_wrong_shape_are_refused(bad):
    with pytest.raises(ValueError, match="shape"):
        decode_frame(bad)


def test_arrays_of_unreadable_dtype_are_refused():
    with pytest.raises(ValueError, match="dtype"):
        decode_frame(np.zeros((48, 64), np.complex64))
    with pytest.raises(ValueError, match="dtype"):
        decode_frame(np.zeros((48, 64), object))


def test_never_a_wrong_decode_over_a_seeded_degraded_set():
    frames = make_set(24, seed=20241123)
    decoded = 0
    for frame in frames:
        found = decode_frame(frame.image, budget_ms=None)
        assert all(text == frame.code for text in found), (found, frame.code, frame.degradations)
        decoded += frame.code in found
    assert decoded >= 0.8 * len(frames), f"only {decoded} of {len(frames)} decoded"
