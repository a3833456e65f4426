"""An annotator in the real Label Studio web UI (headless Chromium): regions and relations drawn with the mouse,
submitted, pulled and imported into the gold corpus through annot."""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import urlparse

import pytest

from annot.cli import app
from annot.documents import Argument, read_documents

from lsserver import PASSWORD, USER

pytestmark = [pytest.mark.browser, pytest.mark.server]

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# A non-BMP emoji and non-ASCII letters before the mentions: UTF-16 offsets would be one more than code points.
ARTICLE = "Prištinë 😀 talks: NATO deployed troops to Kosovo.\n"

# The text of the mention -> (control, label); each occurs once in ARTICLE.
REGIONS = {"NATO": ("entity", "ORG"), "Kosovo": ("entity", "GPE"), "deployed": ("trigger", "Movement.Deploy")}
# (drawn from, drawn to, role): the second is drawn argument -> trigger, as annotators sometimes do.
RELATIONS = [("deployed", "NATO", "Agent"), ("Kosovo", "deployed", "Destination")]

# Viewport coordinates of the characters of `word` in the editor's text, from a DOM Range over its text nodes.
_WORD_BOX_JS = """
(word) => {
  const root = document.querySelector('.lsf-richtext__container');
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  const nodes = [];
  let all = '';
  while (walker.nextNode()) { nodes.push([walker.currentNode, all.length]); all += walker.currentNode.data; }
  const at = all.indexOf(word);
  if (at < 0 || all.indexOf(word, at + 1) >= 0) return null;
  const charBox = (i) => {
    for (const [node, off] of nodes) {
      if (i >= off && i < off + node.data.length) {
        const r = document.createRange();
        r.setStart(node, i - off);
        r.setEnd(node, i - off + 1);
        return r.getBoundingClientRect();
      }
    }
  };
  const first = charBox(at), last = charBox(at + word.length - 1);
  return {x0: first.left + 1, x1: last.right - 1, y: (first.top + first.bottom) / 2};
}
"""


def run(runner, *args):
    return runner.invoke(app, [str(a) for a in args])


def _highlight(page, word: str):
    return page.locator(".htx-highlight", has_text=re.compile(rf"^{re.escape(word)}$"))


def _choose_label(page, label: str) -> None:
    """Make `label` the only selected label (Escape first: a click with a region selected would relabel it)."""
    page.keyboard.press("Escape")
    selected = page.locator(".lsf-labels .lsf-label_selected:visible")
    for i in reversed(range(selected.count())):  # clicking a selected label deselects it
        selected.nth(i).click()
    page.locator(".lsf-labels .lsf-label:visible").filter(
        has=page.locator(".lsf-label__text", has_text=re.compile(rf"^{re.escape(label)}$"))
    ).click()
    page.locator(".lsf-labels .lsf-label_selected:visible").filter(has_text=label).wait_for(state="visible")
    assert page.locator(".lsf-labels .lsf-label_selected:visible").count() == 1


def _drag_region(page, word: str, label: str) -> None:
    """A region on `word`: choose the label, then a real mouse drag from its first to its last character."""
    _choose_label(page, label)
    before = page.locator(".htx-highlight").count()
    box = page.evaluate(_WORD_BOX_JS, word)
    assert box is not None, f"{word!r} is not in the editor's text exactly once"
    page.mouse.move(box["x0"], box["y"])
    page.mouse.down()
    page.mouse.move((box["x0"] + box["x1"]) / 2, box["y"], steps=4)
    page.mouse.move(box["x1"], box["y"], steps=4)
    page.mouse.up()
    _highlight(page, word).wait_for(state="visible")
    assert page.locator(".htx-highlight").count() == before + 1


def _relate(page, source: str, target: str, role: str) -> None:
    """A relation drawn from `source` to `target` with the mouse, then its role chosen in the Relations tab."""
    page.keyboard.press("Escape")
    rows = page.locator(".lsf-relations__item:visible")
    page.locator(".lsf-panel-tabs__tab:visible", has_text=re.compile(r"^Relations$")).click()
    before = rows.count()
    _highlight(page, source).click()
    page.locator("button[aria-label='Create Relation']:visible").click()
    _highlight(page, target).click()
    rows.nth(before).wait_for(state="visible")
    assert rows.count() == before + 1
    # The new relation's row, told by the labels of its two ends in the order drawn (the list order may change).
    ends = [REGIONS[source][1], REGIONS[target][1]]
    (row,) = [
        rows.nth(i)
        for i in range(rows.count())
        if rows.nth(i).locator(".lsf-relations__nodes .lsf-labels-list").all_inner_texts() == ends
    ]
    row.hover()  # its buttons exist only while hovered
    row.locator("button[aria-label='Show Relation Labels']").click()
    row.locator(".lsf-relation-meta [data-testid^=select-trigger]").click()
    page.locator(f"[data-testid='select-option-{role}']:visible").click()
    page.keyboard.press("Escape")
    row.locator(f".lsf-relation-meta [data-testid='select-trigger-{role}']").wait_for(state="visible")


def _annotate_in_browser(url: str, project: int, task: int, shots: Path) -> dict:
    """Log in, annotate the task as an annotator would, submit; returns the annotation the server stored (201)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.set_default_timeout(20_000)
        try:
            page.goto(f"{url}/user/login/")
            page.fill("#email", USER)
            page.fill("#password", PASSWORD)
            page.click("button[aria-label='Log In']")
            page.wait_for_url(lambda u: "/user/login" not in u)

            page.goto(f"{url}/projects/{project}/data?task={task}")
            page.locator(".lsf-richtext__container .lsf-richtext__line").first.wait_for(state="visible")
            page.locator(".lsf-labels .lsf-label").first.wait_for(state="visible")
            submit = page.locator("[data-testid=bottombar-submit-button]")
            submit.wait_for(state="visible")
            assert submit.is_enabled()

            for word, (_, label) in REGIONS.items():
                _drag_region(page, word, label)
            for source, target, role in RELATIONS:
                _relate(page, source, target, role)

            page.keyboard.press("Escape")
            with page.expect_response(
                lambda r: r.request.method == "POST" and urlparse(r.url).path == f"/api/tasks/{task}/annotations"
            ) as posted:
                submit.click()
            response = posted.value
            assert response.status == 201, response.text()
            return response.json()
        except Exception:
            page.screenshot(path=str(shots / "labelstudio-ui-failure.png"), full_page=True)
            raise
        finally:
            browser.close()


def test_labelstudio_ui_annotation_enters_the_gold_corpus(runner, ls_env, tmp_path: Path):
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium (scripts/test.sh does it)")
    from label_studio_sdk import LabelStudio

    art = tmp_path / "pristina-talks.txt"
    art.write_text(ARTICLE, encoding="utf-8")
    r = run(runner, "export", art, "-o", tmp_path / "tasks.json")
    assert r.exit_code == 0, r.output
    r = run(runner, "ls", "push", tmp_path / "tasks.json", "--title", "UI annotation")  # a fresh project
    assert r.exit_code == 0, r.output
    pid = int(r.output.split()[1].rstrip(":"))
    client = LabelStudio(base_url=ls_env["LABEL_STUDIO_URL"], api_key=ls_env["LABEL_STUDIO_API_KEY"])
    (task,) = list(client.tasks.list(project=pid))

    stored = _annotate_in_browser(ls_env["LABEL_STUDIO_URL"], pid, task.id, tmp_path)
    regions = {x["value"]["text"]: x for x in stored["result"] if x["type"] == "labels"}
    assert sorted(regions) == sorted(REGIONS)
    for word, (control, label) in REGIONS.items():
        value = regions[word]["value"]
        # the UI saves code points, Python's indices (its own string index would be one more, after the emoji)
        assert (regions[word]["from_name"], value["labels"], value["start"]) == (control, [label], ARTICLE.index(word))
    drawn = {
        (x["from_id"], x["to_id"], tuple(x.get("labels", ()))) for x in stored["result"] if x["type"] == "relation"
    }
    assert drawn == {(regions[a]["id"], regions[b]["id"], (role,)) for a, b, role in RELATIONS}

    r = run(runner, "ls", "pull", pid, "-o", tmp_path / "export.json")
    assert r.exit_code == 0, r.output
    assert len(json.loads((tmp_path / "export.json").read_text(encoding="utf-8"))) == 1
    r = run(runner, "import", tmp_path / "export.json", "-o", tmp_path / "gold.jsonl")
    assert r.exit_code == 0, r.output
    assert r.output.strip() == (
        f"wrote 1 document(s) to {tmp_path / 'gold.jsonl'}: 2 entity mentions, 1 events, 2 arguments; "
        "skipped 0 cancelled annotation(s) and 0 unannotated task(s); "
        "turned 1 argument->trigger relation(s) around"
    )

    (d,) = read_documents(tmp_path / "gold.jsonl")
    assert (d.id, d.text) == ("pristina-talks", ARTICLE)
    spans = sorted([(e.start, e.end, e.label) for e in d.entities] + [(v.start, v.end, v.type) for v in d.events])
    assert [(d.text[s:e], label) for s, e, label in spans] == [
        ("NATO", "ORG"),
        ("deployed", "Movement.Deploy"),
        ("Kosovo", "GPE"),
    ]
    assert spans[0][0] == ARTICLE.index("NATO") == 18
    by_text = {d.text[e.start : e.end]: e.id for e in d.entities}
    (event,) = d.events
    assert sorted(event.arguments, key=lambda a: a.role) == [
        Argument("Agent", by_text["NATO"]),
        Argument("Destination", by_text["Kosovo"]),
    ]
