"""Plain words on every back-office page and export, in both languages.

A crawler signs in as the admin (who may open every page), follows every back-office link from the
home page, and reads what a person sees: text nodes and the attributes a browser shows (title,
placeholder, aria-label, button values). On Chinese pages nothing may look like a machine
identifier (`printer_offline`, `staff:vol`, `#2`, English words); on English pages no Chinese may
appear that the village did not type itself (names of households, goods, villages are data and
stay as written). Exports (XLSX, CSV) are read the same way, cell by cell, in both languages.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import openpyxl
import pytest
from sqlalchemy import String, Text, select

from shop.models import Base

SHOWN_ATTRIBUTES = {"title", "placeholder", "aria-label", "alt"}
HIDDEN_TAGS = {"script", "style", "template", "code", "noscript"}
CJK = re.compile(r"[\u3400-\u9fff\U00020000-\U0002fa1f]+")
# What reads as a machine's word on a Chinese page.
MACHINE = (
    re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b"),  # snake_case codes
    re.compile(r"\b[a-z]+:[A-Za-z0-9][\w-]*"),  # refs like staff:vol, household:02-006
    re.compile(r"[A-Za-z]{3,}"),  # English words
)
# Words a Chinese clerk reads as words (file kinds, devices, units of the trade).
ALLOWED_LATIN = {
    "PDF", "XLSX", "CSV", "Excel", "USB", "PIN", "QR", "ESC", "POS", "CPU", "SQLite",
    "PostgreSQL", "WPS", "English", "OK", "GBK", "WAV", "OGG", "WebM", "WEBM",
}  # fmt: skip
MAX_PER_ENDPOINT = 3
MAX_PAGES = 400


class _Visible(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.skipping: list[list] = []  # [tag, depth] of what is not shown as words
        self.parts: list[str] = []
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        classes = (values.get("class") or "").split()
        # Skipped: script and the like; a word in another language on purpose (the language
        # button, <x lang="zh-CN">); the on-screen twin of paper, printed in the shop's language.
        if self.skipping and tag == self.skipping[-1][0]:
            self.skipping[-1][1] += 1
        elif (
            tag in HIDDEN_TAGS
            or (values.get("lang") and tag != "html")  # the page's own language is not "other"
            or "receipt-paper" in classes
        ):
            self.skipping.append([tag, 1])
        if tag == "a" and values.get("href"):
            self.links.append(values["href"])
        if self.skipping or values.get("hidden") is not None or values.get("aria-hidden") == "true":
            return
        for name in SHOWN_ATTRIBUTES:
            if values.get(name):
                self.parts.append(values[name])
        if tag == "input" and values.get("type") in ("submit", "button") and values.get("value"):
            self.parts.append(values["value"])

    def handle_endtag(self, tag):
        if self.skipping and tag == self.skipping[-1][0]:
            self.skipping[-1][1] -= 1
            if not self.skipping[-1][1]:
                self.skipping.pop()

    def handle_data(self, data):
        if not self.skipping and data.strip():
            self.parts.append(data.strip())


def _data_text(app) -> str:
    """Every string the village typed or the demo seeded: data, shown as written."""
    db = app.extensions["kiosk_db"]
    found: list[str] = []
    with db.engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            columns = [c for c in table.columns if isinstance(c.type, String | Text)]
            if columns:
                for row in conn.execute(select(*columns)):
                    found.extend(str(value) for value in row if value)
    return "\n".join(found)


def _strange(text: str, lang: str, data: str) -> list[str]:
    found = []
    if lang == "zh":
        for pattern in MACHINE:
            for match in pattern.finditer(text):
                word = match.group(0)
                if word in ALLOWED_LATIN or word in data:
                    continue
                found.append(word)
    else:
        found.extend(run for run in CJK.findall(text) if run not in data)
    return found


def _export_text(response) -> list[str]:
    kind = response.headers.get("Content-Type", "")
    if "spreadsheetml" in kind:
        book = openpyxl.load_workbook(io.BytesIO(response.data), read_only=True)
        cells = [book.sheetnames[i] for i in range(len(book.sheetnames))]
        for sheet in book.worksheets:
            for row in sheet.iter_rows(values_only=True):
                cells.extend(str(value) for value in row if isinstance(value, str))
        return cells
    if "csv" in kind:
        rows = csv.reader(io.StringIO(response.data.decode("utf-8-sig")))
        return [cell for row in rows for cell in row]
    return []


def _crawl(staff_client, app, lang: str):
    client = staff_client("admin")
    if lang == "en":
        client.post("/backoffice/lang", {"lang": "en", "next": "/backoffice/"})
    adapter = app.url_map.bind("localhost")
    per_endpoint: Counter = Counter()
    queue, seen, pages = ["/backoffice/"], set(), []
    while queue and len(seen) < MAX_PAGES:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        parts = urlsplit(url)
        try:
            endpoint, _args = adapter.match(parts.path, method="GET")
        except Exception:  # a link to a POST-only route or outside the app
            continue
        if endpoint in ("backoffice.logout",) or per_endpoint[endpoint] >= MAX_PER_ENDPOINT:
            continue
        per_endpoint[endpoint] += 1
        response = client.get(url)
        if response.status_code != 200:
            continue
        kind = response.headers.get("Content-Type", "")
        if kind.startswith("text/html"):
            parser = _Visible()
            parser.feed(response.get_data(as_text=True))
            pages.append((url, parser.parts))
            for href in parser.links:
                target = urljoin(url, href)
                if urlsplit(target).path.startswith("/backoffice/") and target not in seen:
                    query = urlsplit(target).query
                    queue.append(urlsplit(target).path + (f"?{query}" if query else ""))
        else:
            pages.append((url, _export_text(response)))
    return pages, per_endpoint


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_back_office_page_and_export_speaks_plain_words(staff_client, app, lang):
    pages, endpoints = _crawl(staff_client, app, lang)
    data = _data_text(app)
    assert len(endpoints) >= 25, f"the crawler reached only {sorted(endpoints)}"
    problems = []
    for url, texts in pages:
        strange = sorted({word for text in texts for word in _strange(text, lang, data)})
        if strange:
            problems.append(f"{url}: {strange[:8]}")
    assert not problems, f"{len(problems)} pages show machine words:\n" + "\n".join(problems)


def test_every_export_speaks_english_when_the_reader_does(staff_client, app):
    """Each report file and the day close, fetched by a reader on English pages: headers, tab
    names and words such as a status in English; only the village's own names stay Chinese."""
    from shop.models import DayClose

    from .test_reports_pages import FILES, _fill

    client = staff_client("admin")
    client.post("/backoffice/lang", {"lang": "en", "next": "/backoffice/"})
    urls = [_fill(path) for path, kind in FILES if kind != "application/pdf"]
    with app.extensions["kiosk_db"].reader() as db:
        close = db.scalar(select(DayClose).order_by(DayClose.id.desc()))
        code = db.scalar(select(Base.metadata.tables["kiosks"].c.code))
    urls += [
        f"/backoffice/clerk/dayclose/{code}/{close.business_date}/{ext}" for ext in ("xlsx", "csv")
    ]
    data = _data_text(app)
    problems = []
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        cells = _export_text(response)
        assert cells, url
        strange = sorted({w for cell in cells for w in _strange(cell, "en", data)})
        if strange:
            problems.append(f"{url}: {strange[:8]}")
    assert not problems, "\n".join(problems)


def test_a_refusal_shows_the_villages_data_but_never_the_logs_words(app):
    """填写的内容不对。（batch key） was what staff read: a detail written for the log stays there;
    a household number or a name is shown, since it tells the clerk which one."""
    from kiosk.backoffice.common import error_text
    from shop.errors import DomainError

    with app.test_request_context("/backoffice/"):
        reload = "这一页缺了内容，可能打开太久了。请刷新页面，再做一次。"
        assert error_text(DomainError("reload_page", "batch key")) == reload
        assert error_text(DomainError("invalid_input", "field 'unit'")) == "填写的内容不对。"
        assert error_text(DomainError("unknown_household", "09-001")) == "没有这一户。（09-001）"
        # A household number with letters reads like the log's words unless marked as data.
        assert error_text(DomainError("unknown_household", "GJG-001")) == "没有这一户。"
        marked = DomainError("unknown_household", "GJG-001", shown=True)
        assert error_text(marked) == "没有这一户。（GJG-001）"
        assert error_text(DomainError("nothing_chosen")) == "请先勾选农户。"
        assert error_text(DomainError("name_required", "村名")) == "请填写名称。（村名）"


def test_a_refusals_marked_word_is_shown_in_english_and_the_logs_words_are_not(app):
    """A detail the domain marks for people (村名) reads in English too, although its English has
    Latin letters; the log's words stay hidden in English as in Chinese."""
    from kiosk.backoffice.common import error_text
    from shop.errors import DomainError

    with app.test_request_context("/backoffice/"):
        from flask import session

        session["lang"] = "en"
        named = error_text(DomainError("name_required", "村名"))
        assert named == "Please fill in the name. (Village name)"
        reload = "This page is missing something; it may have been open too long."
        assert error_text(DomainError("reload_page", "batch key")).startswith(reload)
        assert "batch key" not in error_text(DomainError("reload_page", "batch key"))
        assert error_text(DomainError("invalid_input", "field 'unit'")) == "The input is not valid."
        household = error_text(DomainError("unknown_household", "09-001"))
        assert household == "No such household. (09-001)"
        marked = DomainError("unknown_household", "GJG-001", shown=True)
        assert error_text(marked) == "No such household. (GJG-001)"
        assert error_text(DomainError("unknown_household", "GJG-001")) == "No such household."
