"""A job is "printed" only when the printer says so: DLE EOT before and after, fake printers
that behave like the faults (paper out, cover open, never reads, closes mid-job, no back
channel)."""

from __future__ import annotations

import time

import pytest

from hardware.printing import PrinterConfig, PrinterError, print_job
from hardware.printing.status import last_status, parse_answers
from tests.hardware.conftest import STATUS_ANSWERS, read_escpos


def config_for(stub, timeout: float = 2) -> PrinterConfig:
    return PrinterConfig.parse(stub.url, timeout=timeout)


def test_a_printer_that_answers_fine_after_the_job_confirms_it(tcp_stub, receipt):
    stub = tcp_stub("ok")
    result = print_job(config_for(stub), receipt)
    assert result.confirmed and result.status.state == "ok"
    stub.wait_for_jobs(1)
    assert read_escpos(stub.jobs[0], "gb18030").cuts == 1  # the whole job, questions apart
    assert stub.questions == [1, 2, 4, 1, 2, 4]  # asked before and after


@pytest.mark.parametrize(
    ("mode", "code"),
    [
        ("paper_out", "printer_paper_out"),
        ("cover_open", "printer_cover_open"),
        ("error", "printer_error"),
    ],
)
def test_a_printer_that_cannot_print_fails_the_job_before_a_byte_is_sent(
    tcp_stub, receipt, mode, code
):
    stub = tcp_stub(mode)
    config = config_for(stub)
    with pytest.raises(PrinterError) as err:
        print_job(config, receipt)
    assert err.value.code == code
    assert (
        "纸" in err.value.message_zh or "盖" in err.value.message_zh or "错" in err.value.message_zh
    )
    stub.wait_for_jobs(1)
    assert stub.jobs[0] == b""  # nothing printed, so nothing half-printed
    assert last_status(config.url).state == code.removeprefix("printer_")


def test_paper_running_out_during_the_job_fails_it(tcp_stub, receipt):
    stub = tcp_stub("runs_out")
    config = config_for(stub)
    with pytest.raises(PrinterError) as err:
        print_job(config, receipt)
    assert err.value.code == "printer_paper_out"
    assert last_status(config.url).state == "paper_out"


def test_paper_low_still_prints_and_is_remembered(tcp_stub, receipt):
    stub = tcp_stub("paper_low")
    config = config_for(stub)
    result = print_job(config, receipt)
    assert result.confirmed
    assert last_status(config.url).state == "paper_low"


def test_a_printer_that_accepts_and_never_reads_is_not_recorded_as_printed(tcp_stub, receipt):
    """The kernel acknowledges a small job whole although the printer took nothing: before
    status was asked, this counted as printed (issue 14, item 18)."""
    stub = tcp_stub("never_reads")
    config = config_for(stub, timeout=1)
    started = time.monotonic()
    result = print_job(config, receipt)
    assert not result.confirmed
    assert not result.status.answered
    assert time.monotonic() - started < 3


def test_a_printer_without_a_back_channel_is_sent_not_printed(tcp_stub, receipt):
    stub = tcp_stub("mute")
    config = config_for(stub, timeout=1)
    first = print_job(config, receipt)
    assert not first.confirmed
    started = time.monotonic()
    second = print_job(config, receipt)  # a silent printer is not asked again for a while
    assert not second.confirmed
    assert time.monotonic() - started < 0.5
    stub.wait_for_jobs(2)
    assert all(read_escpos(job, "gb18030").cuts == 1 for job in stub.jobs)


def test_status_can_be_turned_off_per_printer(tcp_stub, receipt):
    stub = tcp_stub("ok")
    result = print_job(PrinterConfig.parse(stub.url + "?status=no", timeout=2), receipt)
    assert not result.confirmed
    stub.wait_for_jobs(1)
    assert stub.questions == []


def test_a_printer_closing_mid_job_fails_it(tcp_stub, receipt):
    stub = tcp_stub("close_after", 500)
    with pytest.raises(PrinterError) as err:
        print_job(config_for(stub), receipt)
    assert err.value.code == "printer_failed"


def test_files_and_cups_cannot_answer_so_their_jobs_are_sent(tmp_path, receipt):
    result = print_job(PrinterConfig.parse(f"file://{tmp_path / 'lp0'}"), receipt)
    assert not result.confirmed


@pytest.mark.parametrize(
    ("answers", "state"),
    [(STATUS_ANSWERS[name], name) for name in STATUS_ANSWERS]
    + [(b"\x12\x12", "unknown"), (b"\xff\x12\x12", "unknown"), (b"", "unknown")],
)
def test_status_bytes_are_read_as_epson_defines_them(answers, state):
    assert parse_answers(answers).state == state
