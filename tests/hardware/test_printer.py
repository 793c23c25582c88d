"""Printer backends: URL parsing, one contract over every backend we can create here, faults."""

from __future__ import annotations

import fcntl
import importlib.util
import os
import threading
import time
from pathlib import Path

import pytest

from hardware.printing import (
    PrinterConfig,
    PrinterError,
    open_printer,
    print_job,
    render_escpos,
)
from shop.paper import ReceiptLine
from tests.hardware.conftest import make_receipt, read_escpos

# --- configuration -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "backend", "target", "port", "options"),
    [
        ("usb://0416:5011", "usb", "0416:5011", 0, {}),
        ("usb://28E9:0289?out_ep=0x03", "usb", "28e9:0289", 0, {"out_ep": "0x03"}),
        ("tcp://192.168.1.50:9100", "tcp", "192.168.1.50", 9100, {}),
        ("tcp://printer.local", "tcp", "printer.local", 9100, {}),
        (
            "serial:///dev/ttyUSB0?baudrate=19200",
            "serial",
            "/dev/ttyUSB0",
            0,
            {"baudrate": "19200"},
        ),
        ("file:///dev/usb/lp0", "file", "/dev/usb/lp0", 0, {}),
        ("cups://receipt58", "cups", "receipt58", 0, {}),
        ("preview", "preview", "", 0, {}),
        ("dummy", "dummy", "", 0, {}),
    ],
)
def test_printer_urls_parse(url, backend, target, port, options):
    config = PrinterConfig.parse(url)
    assert (config.backend, config.target, config.port, dict(config.options)) == (
        backend,
        target,
        port,
        options,
    )


@pytest.mark.parametrize(
    "url",
    [
        "",
        "lp0",
        "ftp://printer",
        "usb://0416",
        "usb://zz:5011",
        "usb://0416:5011:1",
        "tcp://",
        "tcp://host:99999",
        "tcp://host:9100?speed=fast",
        "serial://",
        "serial:///dev/ttyUSB0?baudrate=fast",
        "serial:///dev/ttyUSB0?parity=X",
        "file://dev/usb/lp0",
        "tcp://host:9100?timeout=never",
        "tcp://host:9100?timeout=0",
    ],
)
def test_bad_printer_urls_are_a_config_error(url):
    with pytest.raises(PrinterError) as err:
        PrinterConfig.parse(url)
    assert err.value.code == "printer_config"


@pytest.mark.parametrize(
    "options", [{"width_mm": 70}, {"width_mm": "wide"}, {"charset": "big5"}, {"can_cut": "maybe"}]
)
def test_bad_printer_options_are_a_config_error(options):
    with pytest.raises(PrinterError) as err:
        PrinterConfig.parse("dummy", **options)
    assert err.value.code == "printer_config"


def test_paper_width_sets_columns_and_dots():
    assert (PrinterConfig.parse("dummy").columns, PrinterConfig.parse("dummy").dots) == (32, 384)
    wide = PrinterConfig.parse("dummy", width_mm="80")
    assert (wide.columns, wide.dots) == (48, 576)


def test_config_from_environment(tmp_path):
    config = PrinterConfig.from_env(
        {
            "KIOSK_PRINTER": "tcp://10.0.0.9?timeout=3",
            "KIOSK_PRINTER_WIDTH": "80",
            "KIOSK_PRINTER_CHARSET": "GBK",
            "KIOSK_PRINTER_CUT": "no",
            "KIOSK_CJK_FONT": "/srv/fonts/x.ttc",
            "KIOSK_INSTANCE_PATH": str(tmp_path),
        }
    )
    assert (config.backend, config.target, config.port) == ("tcp", "10.0.0.9", 9100)
    assert (config.width_mm, config.charset, config.can_cut) == (80, "gbk", False)
    assert config.timeout == 3
    assert config.font_path == "/srv/fonts/x.ttc"
    assert config.preview_dir == tmp_path / "receipts"

    default = PrinterConfig.from_env({"KIOSK_INSTANCE_PATH": str(tmp_path)})
    assert (default.backend, default.width_mm, default.charset) == ("preview", 58, "gb18030")
    assert default.preview_dir == tmp_path / "receipts"


def test_printer_error_carries_code_and_both_languages():
    err = PrinterError("printer_offline", "打印机未连接", "Printer not reachable", "refused")
    assert (err.code, err.message("zh"), err.message("en")) == (
        "printer_offline",
        "打印机未连接",
        "Printer not reachable",
    )
    assert str(err) == "printer_offline: Printer not reachable (refused)"
    with pytest.raises(ValueError):
        PrinterError("on_fire", "", "")


# --- one contract over every backend ------------------------------------------------------------


@pytest.fixture(params=["dummy", "preview", "file", "tcp"])
def any_printer(request, tmp_path, tcp_stub):
    """(config, received): ``received()`` returns the bytes that reached the "printer"."""
    kind = request.param
    if kind == "dummy":
        return PrinterConfig.parse("dummy"), None
    if kind == "preview":
        config = PrinterConfig.parse("preview", preview_dir=tmp_path / "receipts")
        return config, lambda result: result.path.with_suffix(".bin").read_bytes()
    if kind == "file":
        target = tmp_path / "lp0"
        return PrinterConfig.parse(f"file://{target}"), lambda result: target.read_bytes()
    stub = tcp_stub()

    def received(result):
        stub.wait_for_jobs(1)
        return stub.jobs[0]

    return PrinterConfig.parse(stub.url, timeout=2), received


def test_every_backend_receives_the_same_receipt_bytes(any_printer, receipt):
    config, received = any_printer
    expected = render_escpos(receipt.layout(config.columns), config)

    result = print_job(config, receipt)

    assert result.data == expected
    assert result.bytes_sent == len(expected)
    got = result.data if received is None else received(result)
    assert got == expected
    paper = read_escpos(got, config.charset)
    assert "户号：0012  户主：张*丰" in paper.hanzi_texts
    assert paper.cuts == 1


def test_preview_saves_bytes_html_and_text(tmp_path, receipt):
    config = PrinterConfig.parse("preview", preview_dir=tmp_path / "receipts")
    result = print_job(config, receipt)

    assert result.path == tmp_path / "receipts" / "receipt-K1-000123.html"
    assert result.path.with_suffix(".bin").read_bytes() == result.data
    page = result.path.read_text("utf-8")
    assert page.startswith("<!doctype html>") and "户号：0012  户主：张*丰" in page
    text = result.path.with_suffix(".txt").read_text("utf-8")
    assert "[QR JR1:K1-000123:a1b2c3d4e5]" in text

    reprint = print_job(config, make_receipt(reprint_count=1))
    assert reprint.path.name == "receipt-K1-000123-r1.html"
    assert sorted(p.name for p in (tmp_path / "receipts").iterdir()) == [
        "receipt-K1-000123-r1.bin",
        "receipt-K1-000123-r1.html",
        "receipt-K1-000123-r1.txt",
        "receipt-K1-000123.bin",
        "receipt-K1-000123.html",
        "receipt-K1-000123.txt",
    ]


def test_preview_directory_in_the_url(tmp_path, receipt):
    result = print_job(PrinterConfig.parse(f"preview://{tmp_path}/out"), receipt)
    assert result.path.parent == tmp_path / "out"


def test_concurrent_jobs_for_one_printer_each_arrive_whole(tcp_stub, receipt):
    stub = tcp_stub()
    config = PrinterConfig.parse(stub.url, timeout=2)
    errors = []

    def job():
        try:
            print_job(config, receipt)
        except PrinterError as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=job) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    stub.wait_for_jobs(4)
    expected = render_escpos(receipt.layout(32), config)
    assert errors == []
    assert stub.jobs == [expected] * 4


# --- faults ------------------------------------------------------------------------------------


def test_a_printer_refusing_the_connection_is_offline_at_once(closed_port, receipt):
    config = PrinterConfig.parse(f"tcp://127.0.0.1:{closed_port}", timeout=5)
    started = time.monotonic()
    with pytest.raises(PrinterError) as err:
        print_job(config, receipt)
    assert err.value.code == "printer_offline"
    assert time.monotonic() - started < 1
    assert err.value.message_zh and err.value.message_en


@pytest.mark.parametrize("limit", [100, 1800])
def test_a_printer_hanging_up_mid_receipt_fails_the_job(tcp_stub, receipt, limit):
    stub = tcp_stub("close_after", limit)
    with pytest.raises(PrinterError) as err:
        print_job(PrinterConfig.parse(stub.url, timeout=2), receipt)
    assert err.value.code == "printer_failed"
    stub.wait_for_jobs(1)
    assert len(stub.jobs[0]) == limit


def test_a_stalled_network_printer_fails_within_the_timeout(tcp_stub, receipt):
    stub = tcp_stub("stall")
    config = PrinterConfig.parse(stub.url, timeout=0.5)
    started = time.monotonic()
    with pytest.raises(PrinterError) as err:
        print_job(config, receipt)
    assert err.value.code == "printer_failed"
    assert time.monotonic() - started < 0.5 + 1.5


def test_a_stalled_device_file_fails_within_the_timeout(tmp_path):
    receipt = make_receipt(lines=[ReceiptLine(f"商品{n}", 1, "件", 1, 1) for n in range(60)])
    fifo = tmp_path / "lp0"
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)  # a printer that never reads
    try:
        fcntl.fcntl(reader, fcntl.F_SETPIPE_SZ, 4096)
        started = time.monotonic()
        with pytest.raises(PrinterError) as err:
            print_job(PrinterConfig.parse(f"file://{fifo}", timeout=0.3), receipt)
        assert err.value.code == "printer_failed"
        assert time.monotonic() - started < 0.3 + 1.5
    finally:
        os.close(reader)


def test_a_device_file_nobody_reads_is_offline(tmp_path, receipt):
    fifo = tmp_path / "lp0"
    os.mkfifo(fifo)  # no reader: like a printer device that is not there
    with pytest.raises(PrinterError) as err:
        print_job(PrinterConfig.parse(f"file://{fifo}"), receipt)
    assert err.value.code == "printer_offline"


def test_an_unplugged_usblp_device_is_offline_and_no_file_is_created(receipt):
    missing = "/dev/usb/lp-points-kiosk-test"
    with pytest.raises(PrinterError) as err:
        print_job(PrinterConfig.parse(f"file://{missing}"), receipt)
    assert err.value.code == "printer_offline"
    assert not Path(missing).exists()


def test_a_device_that_fails_writes_fails_the_job(receipt):
    with pytest.raises(PrinterError) as err:
        print_job(PrinterConfig.parse("file:///dev/full"), receipt)  # every write: ENOSPC
    assert err.value.code == "printer_failed"
    assert "No space" in err.value.detail


def test_preview_into_an_unwritable_place_fails_the_job(tmp_path, receipt):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    with pytest.raises(PrinterError) as err:
        print_job(PrinterConfig.parse("preview", preview_dir=blocker / "receipts"), receipt)
    assert err.value.code == "printer_failed"


def test_usb_printer_without_driver_or_device_fails_clearly(receipt):
    config = PrinterConfig.parse("usb://0416:5011", timeout=1)
    with pytest.raises(PrinterError) as err:
        open_printer(config)
    has_pyusb = importlib.util.find_spec("usb") is not None
    assert err.value.code == ("printer_offline" if has_pyusb else "printer_config")


def test_serial_printer_without_driver_or_port_fails_clearly():
    config = PrinterConfig.parse("serial:///dev/ttyUSB-points-kiosk-test?baudrate=9600")
    with pytest.raises(PrinterError) as err:
        open_printer(config)
    has_pyserial = importlib.util.find_spec("serial") is not None
    assert err.value.code == ("printer_offline" if has_pyserial else "printer_config")


def test_cups_printer_that_cannot_be_used_fails_clearly():
    with pytest.raises(PrinterError) as err:
        open_printer(PrinterConfig.parse("cups://no-such-queue-points-kiosk"))
    assert err.value.code in ("printer_config", "printer_offline")
    assert err.value.detail
