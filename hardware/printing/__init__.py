"""Receipt printing (小票打印): ESC/POS printers chosen by URL, Chinese text done right.

Typical use, after the redemption has been committed::

    from hardware.printing import PrinterConfig, PrinterError, print_job
    from shop.paper import Receipt, ReceiptLine      # (the kiosk's side: hardware/ never
                                                     #  imports the domain)

    config = PrinterConfig.from_env()          # KIOSK_PRINTER, KIOSK_PRINTER_WIDTH, …
    try:
        result = print_job(config, receipt)     # result.path: the saved preview, if any
    except PrinterError as exc:                 # exc.code: printer_offline | printer_failed |
        ...                                     #   printer_config | printer_paper_out | …
    result.confirmed                            # the printer said it is fine after the job

The screen shows the same slip with ``to_html(receipt.layout(config.columns))`` or by including
``templates/hardware/_receipt.html`` with ``receipt=preview_of(layout)``.
"""

from hardware.printing.backends import close_printer, make_printer, open_printer
from hardware.printing.config import PAPER, PrinterConfig, PrinterError
from hardware.printing.jobs import (
    PrintResult,
    print_job,
    printer_status,
    save_preview,
)
from hardware.printing.render import (
    PreviewRow,
    ReceiptPreview,
    preview_of,
    qr_data_uri,
    render_escpos,
    to_escpos,
    to_html,
    to_html_page,
)
from hardware.printing.status import PrinterStatus

__all__ = [
    "PAPER",
    "PreviewRow",
    "PrintResult",
    "PrinterConfig",
    "PrinterError",
    "PrinterStatus",
    "ReceiptPreview",
    "close_printer",
    "make_printer",
    "open_printer",
    "preview_of",
    "print_job",
    "printer_status",
    "qr_data_uri",
    "render_escpos",
    "save_preview",
    "to_escpos",
    "to_html",
    "to_html_page",
]
