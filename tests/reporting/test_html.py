"""report.html: content, escaping, self-containment, and a real headless Chromium loading it offline."""

from __future__ import annotations

import copy
import html
import json
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from annot.cli import app
from annot.documents import Argument, Document, Entity, Event, write_documents
from annot.reporting.html import to_html

from support import ROOT

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
HOSTILE = "<script>alert(1)</script>"
TEXT1 = f'NATO sent {HOSTILE} troops to Kosovo on "Monday" & more.'
TEXT2 = "Two soldiers died in Pristina."


def _span(text: str, needle: str, label: str, eid: str) -> Entity:
    start = text.index(needle)
    return Entity(start, start + len(needle), label, eid)


def _gold() -> list[Document]:
    nato, kosovo = _span(TEXT1, "NATO", "ORG", "T1"), _span(TEXT1, "Kosovo", "GPE", "T2")
    sent = TEXT1.index("sent")
    deploy = Event("E1", "Movement.Deploy", sent, sent + 4, (Argument("Agent", "T1"), Argument("Destination", "T2")))
    return [
        Document("d1", TEXT1, (nato, kosovo, _span(TEXT1, "Monday", "DATE", "T3")), (deploy,)),
        Document("d2", TEXT2, (_span(TEXT2, "Two", "QTY", "T1"), _span(TEXT2, "Pristina", "GPE", "T2"))),
    ]


def _pred() -> list[Document]:
    """One correct, one wrong type, one spurious over the hostile text, one missed; one event argument missed."""
    ents = (_span(TEXT1, "NATO", "ORG", "T1"), _span(TEXT1, "Kosovo", "LOC", "T2"), _span(TEXT1, HOSTILE, "PER", "T3"))
    sent = TEXT1.index("sent")
    deploy = Event("E1", "Movement.Deploy", sent, sent + 4, (Argument("Agent", "T1"),))
    return [
        Document("d1", TEXT1, ents, (deploy,)),
        Document("d2", TEXT2, (_span(TEXT2, "Two", "QTY", "T1"), _span(TEXT2, "Pristina", "GPE", "T2"))),
    ]


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], Path]:
    """`annot evaluate` on small files, with a threshold it fails: (report.json, report.html path)."""
    tmp = tmp_path_factory.mktemp("html")
    write_documents(tmp / "gold.jsonl", _gold())
    write_documents(tmp / "sys-a.jsonl", _pred())
    args = ["evaluate", "--gold", tmp / "gold.jsonl", "--pred", tmp / "sys-a.jsonl", "-o", tmp / "rep"]
    args += ["--schema", ROOT / "configs" / "schema.toml", "--bootstrap", "50", "--seed", "1"]
    args += ["--threshold", "entities.micro.strict.f1=0.99"]
    result = CliRunner().invoke(app, [str(a) for a in args])
    assert result.exit_code == 1, result.output  # the gate fails, the reports are written all the same
    report = json.loads((tmp / "rep" / "report.json").read_text(encoding="utf-8"))
    return report, tmp / "rep" / "report.html"


@pytest.fixture(scope="module")
def page_html(rendered: tuple[dict[str, Any], Path]) -> str:
    return rendered[1].read_text(encoding="utf-8")


class _Tables(HTMLParser):
    """Every table row as a list of cell texts, grouped by the table's caption."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self._caption: str | None = None
        self._rows: list[list[str]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self._caption, self._rows = "", []
        elif tag == "caption":
            self._cell = []
        elif tag == "tr":
            self._rows.append([])
        elif tag in ("td", "th"):
            self._cell = []
        elif self._cell is not None:
            self._cell.append(" ")  # an element inside a cell (a line of its own, or a mark) separates words

    def handle_endtag(self, tag: str) -> None:
        if tag == "caption" and self._cell is not None:
            self._caption, self._cell = "".join(self._cell).strip(), None
        elif tag in ("td", "th") and self._cell is not None:
            self._rows[-1].append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "table":
            self.tables[self._caption or f"table {len(self.tables)}"] = self._rows

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def _tables(html: str) -> dict[str, list[list[str]]]:
    parser = _Tables()
    parser.feed(html)
    return parser.tables


def _rows_by_head(table: list[list[str]]) -> dict[str, list[str]]:
    return {row[0]: row[1:] for row in table[1:] if row}


def test_html_has_the_per_label_rows_and_counts(page_html: str, rendered: tuple[dict[str, Any], Path]) -> None:
    report = rendered[0]
    rows = _rows_by_head(_tables(page_html)["Per label, strict scheme (same start, end and label)"])
    assert list(rows) == list(report["entities"]["per_label"])
    org = report["entities"]["per_label"]["ORG"]["strict"]
    assert rows["ORG"][:3] == [
        f"{org['precision']:.3f} [{org['ci']['precision'][0]:.3f}, {org['ci']['precision'][1]:.3f}]",
        f"{org['recall']:.3f} [{org['ci']['recall'][0]:.3f}, {org['ci']['recall'][1]:.3f}]",
        f"{org['f1']:.3f} [{org['ci']['f1'][0]:.3f}, {org['ci']['f1'][1]:.3f}]",
    ]
    assert rows["ORG"][3:] == [str(org[k]) for k in ("correct", "incorrect", "partial", "missed", "spurious")] + [
        str(org["possible"]),
        str(org["actual"]),
    ]
    # PER has one spurious prediction and no gold: recall is undefined, shown as a dash, never 0 or 1.
    assert rows["PER"][1].startswith("–")


def test_html_escapes_hostile_text(page_html: str) -> None:
    assert HOSTILE not in page_html
    assert page_html.count("<script") == 1  # the page's own filtering script only
    assert "<mark>&lt;script&gt;alert(1)&lt;/script&gt;</mark>" in page_html
    assert "“&lt;script&gt;alert(1)&lt;/script&gt;”" in page_html  # the spurious mention's text
    assert "&#34;Monday&#34; &amp; more" in page_html


def test_html_unsupported_labels_say_no_support(page_html: str, rendered: tuple[dict[str, Any], Path]) -> None:
    unsupported = rendered[0]["entities"]["unsupported_labels"]
    assert {"MIL", "NORP"} <= set(unsupported)
    rows = _rows_by_head(_tables(page_html)["Per label, strict scheme (same start, end and label)"])
    for lab in unsupported:
        assert rows[lab][0] == "no support", lab
        assert not any("1.000" in cell for cell in rows[lab]), lab
    chart = page_html[page_html.index("<svg") : page_html.index("</svg>")]
    assert chart.count("no support") >= len(unsupported)


def test_html_header_tables_and_optional_sections(page_html: str, rendered: tuple[dict[str, Any], Path]) -> None:
    report = rendered[0]
    assert "<title>annot evaluation: sys-a</title>" in page_html
    assert '<html lang="en">' in page_html
    tables = _tables(page_html)
    headline = _rows_by_head(tables["Micro-averaged scores, 95% confidence intervals in brackets"])
    assert list(headline)[:4] == ["entities strict", "entities exact", "entities partial", "entities type"]
    strict = report["entities"]["micro"]["strict"]
    assert headline["entities strict"][2].startswith(f"{strict['f1']:.3f} [")
    assert (
        headline["entities strict"][3] == f"{strict['correct']}/{strict['possible']} gold, {strict['actual']} predicted"
    )
    assert headline["entities macro (strict)"][2] == f"{report['entities']['macro']['strict']['f1']:.3f}"
    assert "events argument classification" in headline
    events = _rows_by_head(tables["Micro-averaged over all event mentions"])
    assert len(events) == 6 and events["argument_classification"][3:] == ["1", "1", "2"]
    assert "✗ Gate FAILED" in page_html and "entities.micro.strict.f1" in page_html
    scope = page_html[page_html.index('<p class="lede" id="scope">') :].split("</p>", 1)[0]
    assert "gold.jsonl" in scope and "<strong>2</strong> documents" in scope
    if "confusion" in report["entities"]:
        confusion = tables["Counts by gold label (rows) and predicted label (columns)"]
        assert _rows_by_head(confusion)["GPE"][confusion[0].index("LOC") - 1] == "1"  # Kosovo: GPE taken for LOC
    for key in ("Bootstrap samples", "Seed", "Zero division", "Schema", "Documents"):
        assert f"<dt>{key}</dt>" in page_html
    docs = tables[
        "table " + str(list(tables).index(next(k for k in tables if tables[k] and tables[k][0][:1] == ["document"])))
    ]
    assert [row[0] for row in docs[1:]] == ["d1", "d2"]  # the lowest strict F1 first


def test_html_renders_a_report_without_the_optional_keys(rendered: tuple[dict[str, Any], Path]) -> None:
    from annot.reporting.model import Report

    data = copy.deepcopy(rendered[0])
    data.pop("gate", None)
    data["entities"].pop("confusion", None)
    for key in ("role_confusion", "errors", "per_role"):
        data["events"].pop(key, None)
    data["meta"]["gold"].pop("split", None)
    html = to_html(Report.from_json(json.dumps(data)))
    assert 'id="gate"' not in html and "No gate" in html
    assert "Counts by gold label" not in html and "Counts by gold role" not in html
    assert 'id="entity-errors"' in html and 'id="labels"' in html and "<svg" in html
    assert "<dt>Split</dt>" not in html and ", split" not in html


def test_html_null_values_render_as_a_dash() -> None:
    import annot

    empty = [annot.Document("d1", "Nothing happened.")]
    html = to_html(annot.evaluate(empty, empty, bootstrap_samples=0))
    rows = _rows_by_head(_tables(html)["Micro-averaged scores"])
    assert rows["entities strict"][:3] == ["–", "–", "–"]
    assert "None" not in html
    assert "No events in the gold or the predictions" in html and "events trigger identification" not in rows


def test_html_error_lists_are_grouped_folded_and_capped(rendered: tuple[dict[str, Any], Path]) -> None:
    from annot.reporting.model import Report

    data = copy.deepcopy(rendered[0])
    one = data["entities"]["errors"][0]
    data["entities"]["errors"] = [dict(one, document=f"doc{i}") for i in range(120)]
    data["entities"]["errors_left_out"] = {one["category"]: 5000}
    html = to_html(Report.from_json(json.dumps(data)), errors_shown=50)
    section = html[html.index('id="entity-errors"') : html.index('id="event-errors"')]
    assert section.count("<tr data-category") == 50
    assert f"<strong>{one['category']}</strong>: 5120 (50 shown; 5000 not listed in report.json either)" in section
    assert "<details" in section


def test_html_comparison_page(rendered: tuple[dict[str, Any], Path]) -> None:
    from annot.comparison.paired import side_by_side
    from annot.reporting.html import comparison_html
    from annot.reporting.model import Report

    a = Report.from_json(json.dumps(rendered[0]))
    data = copy.deepcopy(rendered[0])
    data["meta"]["system"]["name"] = "sys-<b>"
    b = Report.from_json(json.dumps(data))
    html = comparison_html(side_by_side({"sys-a": a, "sys-<b>": b}, samples=200))
    table = _tables(html)[
        "A row per metric, a column per system: the value and its interval; for the other systems, the "
        "difference to sys-a and the p-value"
    ]
    assert table[0] == ["metric", "sys-a reference", "sys-<b>"]
    rows = _rows_by_head(table[1:])
    assert rows["strict F1 ?"][1].endswith("+0.000, p = 1.000")  # a row per metric, a column per system
    assert "sys-&lt;b&gt;" in html and "<b>" not in html
    assert html.count("<svg") == 2  # a chart per group of metrics: entities micro and macro, events micro


def test_html_loads_nothing_from_outside(page_html: str) -> None:
    external = re.compile(
        r"""(?:\b(?:src|href|xlink:href|action|poster|data)\s*=\s*["']?\s*|url\(\s*["']?\s*)(?:https?:)?//""",
        re.IGNORECASE,
    )
    assert not external.findall(page_html)
    assert "@import" not in page_html
    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]*)"', page_html)
    assert csp is not None and "default-src 'none'" in html.unescape(csp.group(1))


@pytest.mark.browser
def test_html_opens_offline_in_headless_chromium(rendered: tuple[dict[str, Any], Path], tmp_path: Path) -> None:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium (scripts/test.sh does it)")
    from playwright.sync_api import sync_playwright

    url = rendered[1].resolve().as_uri()
    requests: list[str] = []
    problems: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.on("request", lambda r: requests.append(r.url))
            page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
            page.on("pageerror", lambda e: problems.append(f"pageerror: {e}"))
            page.on("dialog", lambda d: (problems.append(f"dialog: {d.message}"), d.dismiss()))
            page.goto(url, wait_until="load")
            assert page.title() == "annot evaluation: sys-a"
            # The first screen: which gold, the verdict and the headline scores, nothing wider than the window.
            page.screenshot(path=str(tmp_path / "first-screen.png"))
            for element in ("#scope", "#verdict", "#headline"):
                box = page.locator(element).bounding_box()
                assert box is not None and box["y"] + box["height"] <= 900, element
            assert page.evaluate("document.documentElement.scrollWidth") <= 1400
            chart = page.locator("svg#f1-chart")
            assert chart.is_visible()
            box = chart.bounding_box()
            assert box is not None and box["width"] > 200 and box["height"] > 50
            assert page.locator("svg#f1-chart rect.bar").count() >= 3
            # The inline script runs: the search form is shown and filters the errors.
            form = page.locator('form[data-scope="entity-errors"]')
            assert form.is_visible()
            everything = page.locator("#entity-errors table.errors tbody tr").count()
            assert everything > 1 and form.locator("output").inner_text() == f"{everything} shown"
            form.locator("input").fill("LOC")  # the one row of Kosovo, taken for a LOC; folded lists open
            assert page.locator("#entity-errors table.errors tbody tr:visible").count() == 1
            assert form.locator("output").inner_text() == "1 shown"
            form.locator("input").fill("")
            assert form.locator("output").inner_text() == f"{everything} shown"
            # Per-document scores sort by a column.
            header = page.locator("#document-table thead th", has_text="gold mentions")
            header.click()
            assert header.get_attribute("aria-sort") == "ascending"
            first = page.locator("#document-table tbody tr").first.locator("th").inner_text()
            header.click()
            assert header.get_attribute("aria-sort") == "descending"
            assert page.locator("#document-table tbody tr").first.locator("th").inner_text() != first
            page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
        finally:
            browser.close()
    assert requests == [url]
    assert problems == []
    assert (tmp_path / "report.png").stat().st_size > 10_000
    assert (tmp_path / "first-screen.png").stat().st_size > 10_000


# ------------------------------------------------------------ the pages at a desk and on a phone


def _screens(page_path: Path, out: Path) -> dict[int, dict[str, Any]]:
    """The page in headless Chromium at 1,280 and 390 px: what overflows, screenshots kept in `out`."""
    from playwright.sync_api import sync_playwright

    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium (scripts/test.sh does it)")
    found = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            for width in (1280, 390):
                page = browser.new_page(viewport={"width": width, "height": 900})
                page.goto(page_path.as_uri())
                found[width] = page.evaluate(
                    """() => ({
                      page: document.documentElement.scrollWidth,
                      view: innerWidth,
                      cut: [...document.querySelectorAll('.scroll')]
                        .filter(e => e.scrollWidth > e.clientWidth + 1)
                        .map(e => (e.querySelector('table') || {}).id),
                      whiskers: document.querySelectorAll('svg line.whisker').length,
                      bars: document.querySelectorAll('svg rect.bar').length,
                    })"""
                )
                page.screenshot(path=str(out / f"{page_path.stem}-{width}.png"), full_page=True)
                page.close()
        finally:
            browser.close()
    return found


@pytest.mark.browser
def test_html_comparison_page_fits_1280_reads_on_a_phone_and_draws_its_intervals(tmp_path: Path) -> None:
    """annot compare of the bundled reports: at 1,280 px nothing is cut, at 390 px the page does not overflow
    (its table scrolls in its box if it must); every bar with an interval has its whiskers; a system with no
    event layer says so."""
    from annot.comparison.paired import compare_paths
    from annot.reporting.write import write_comparison_folder

    table = compare_paths([ROOT / "reports" / n for n in ("spacy-sm", "spacy-sm-events", "ner-trained")], samples=200)
    write_comparison_folder(table, tmp_path / "cmp")
    page = (tmp_path / "cmp" / "comparison.html").read_text(encoding="utf-8")
    assert "not predicted" in page and "whisker" in page
    assert 'id="def-strict"' in page and 'href="#definitions"' in page
    with_ci = sum(c.low is not None for row in table.systems for c in row.metrics.values() if not c.not_predicted)
    found = _screens(tmp_path / "cmp" / "comparison.html", tmp_path)
    for width, f in found.items():
        assert f["page"] <= f["view"], f"comparison.html overflows at {width} px: {f}"
        assert f["whiskers"] == 3 * with_ci > 0  # a line and two end ticks per interval
    assert found[1280]["cut"] == [], found[1280]
    assert found[390]["cut"] == [], found[390]


@pytest.mark.browser
def test_html_report_page_at_a_desk_and_on_a_phone_explains_its_numbers(tmp_path: Path) -> None:
    """The bundled spacy-sm report: no page overflow at 1,280 or 390 px; each headline row links to its
    definition on the page and names it in a tooltip; the humans' F1 comes with its interval and support; the
    event rows say "not predicted" for a system with no event layer."""
    from annot.reporting.model import load_report

    report = load_report(ROOT / "reports" / "spacy-sm")
    (tmp_path / "report.html").write_text(to_html(report), encoding="utf-8")
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    for key in ("strict", "exact", "partial", "type", "trigger_classification", "argument_classification"):
        assert f'href="#def-{key}"' in page and f'id="def-{key}"' in page
    assert 'title="strict: correct: same start, end and label' in page
    assert "not predicted (the system output no event)" in page
    assert report.human is not None
    humans = f"{report.human.entities.micro['strict'].f1:.3f}".replace(".", "\\.")
    assert re.search(
        humans + r"<span class=\"ci\">\[\d\.\d{3}, \d\.\d{3}\]</span><span class=\"sub\"[^>]*>\d+ vs \d+", page
    )
    found = _screens(tmp_path / "report.html", tmp_path)
    for width, f in found.items():
        assert f["page"] <= f["view"], f"report.html overflows at {width} px: {f}"
    assert "headline" not in found[1280]["cut"]
