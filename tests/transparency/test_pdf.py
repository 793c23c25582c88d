"""A4 PDFs of the notice and the ranking, with the CJK font and the chain head's QR code."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from shop.transparency import annual_ranking, group_rankings, monthly_notice
from shop.transparency.pdf import notice_pdf, ranking_pdf

from .conftest import TZ, local

FONT = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"
pytestmark = pytest.mark.skipif(not Path(FONT).exists(), reason="CJK font not installed")


def pages(pdf: bytes) -> list[bytes]:
    return re.findall(rb"/Type /Page\b[^s]", pdf)


def is_a4(pdf: bytes) -> bool:
    return b"595.28 841.89" in pdf


@pytest.fixture
def month(session, village, make_household, give):
    homes = [make_household(g) for g in ("第一村民小组", "第二村民小组") for _ in range(3)]
    for n, home in enumerate(homes):
        give(home, 10 + n, local(2026, 5, 2 + n, 9), memo="庭院整洁")
    give(homes[0], -5, local(2026, 5, 20, 9), memo="乱倒垃圾")
    return homes


def test_notice_pdf_is_a4_with_the_head(session, village, month, tmp_path):
    notice = monthly_notice(session, village, 2026, 5, TZ)
    pdf = notice_pdf(notice, FONT)
    assert pdf.startswith(b"%PDF-") and is_a4(pdf) and len(pages(pdf)) >= 1
    assert b"/Subtype /Image" in pdf  # the QR code
    (tmp_path / "notice.pdf").write_bytes(pdf)


def test_an_empty_month_still_prints(session, village, month):
    pdf = notice_pdf(monthly_notice(session, village, 2026, 8, TZ), FONT)
    assert pdf.startswith(b"%PDF-") and len(pages(pdf)) == 1


def test_a_long_notice_breaks_onto_more_pages(session, village, make_household, give):
    homes = [make_household("第一村民小组") for _ in range(60)]
    for home in homes:
        for day in (3, 9, 15):
            give(home, 5, local(2026, 6, day, 9), memo="参加志愿服务一次")
    pdf = notice_pdf(monthly_notice(session, village, 2026, 6, TZ), FONT)
    assert len(pages(pdf)) >= 4


def test_ranking_pdf_overall_and_by_group(session, village, month):
    ranking = annual_ranking(session, village, 2026, TZ)
    pdf = ranking_pdf(ranking, FONT, groups=group_rankings(session, village, 2026, TZ), top=3)
    assert pdf.startswith(b"%PDF-") and is_a4(pdf) and b"/Subtype /Image" in pdf
    one_group = annual_ranking(session, village, 2026, TZ, group="第二村民小组")
    assert ranking_pdf(one_group, FONT).startswith(b"%PDF-")
