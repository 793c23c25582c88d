"""``python -m hardware.printing test|sample``: print without the web app (setting up a box).

Settings come from the KIOSK_PRINTER* environment variables; flags override them.
``kiosk printer test`` is the app's way to do the same.
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import UTC, datetime

from hardware.printing import PrinterConfig, PrinterError, print_job, print_test_page
from hardware.receipt import Receipt, ReceiptLine


def sample_receipt(lang: str = "zh") -> Receipt:
    """A made-up receipt with long names and rare characters, for checking a printer's layout."""
    return Receipt(
        shop_name="南康区示范村积分超市",
        kiosk_name="一号机",
        receipt_no="K1-000001",
        printed_at=datetime.now(UTC).astimezone(),
        household_no="三组-018",
        head_name="王堃喆",
        lines=[
            ReceiptLine("洗衣液 2kg 薰衣草香型（村企共建捐赠）", 1, "瓶", 30, 30),
            ReceiptLine("香皂", 3, "块", 5, 15),
        ],
        total=45,
        balance_after=155,
        verify_code="9f3a7c21d0",
        lang="en" if lang == "en" else "zh",
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m hardware.printing", description=__doc__)
    parser.add_argument("what", choices=["test", "sample"], help="test page or a sample receipt")
    parser.add_argument("--printer", help="printer URL (default: $KIOSK_PRINTER or preview)")
    parser.add_argument("--width", choices=["58", "80"], help="paper width in mm")
    parser.add_argument("--charset", choices=["gb2312", "gbk", "gb18030"])
    parser.add_argument("--cut", choices=["yes", "no"], help="the printer has a cutter")
    parser.add_argument("--lang", choices=["zh", "en"], default="zh")
    args = parser.parse_args(argv)

    env = dict(os.environ)
    for flag, name in (
        (args.printer, "KIOSK_PRINTER"),
        (args.width, "KIOSK_PRINTER_WIDTH"),
        (args.charset, "KIOSK_PRINTER_CHARSET"),
        (args.cut, "KIOSK_PRINTER_CUT"),
    ):
        if flag:
            env[name] = flag
    try:
        config = PrinterConfig.from_env(env)
        if args.what == "test":
            result = print_test_page(config, lang=args.lang)
        else:
            result = print_job(config, sample_receipt(args.lang))
    except PrinterError as exc:
        print(f"{exc.code}: {exc.message_zh} / {exc.message_en}", file=sys.stderr)
        if exc.detail:
            print(f"  {exc.detail}", file=sys.stderr)
        return 2
    where = f" -> {result.path}" if result.path else ""
    print(f"ok: {result.slug} sent to {config.url} ({result.bytes_sent} bytes){where}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
