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

# The text of the mention -> (kind, label); each occurs once in ARTICLE.
REGIONS = {"NATO": ("entity", "ORG"), "Kosovo": ("entity", "GPE"), "deployed": ("trigger", "Movement.Deploy")}
# (drawn from, drawn to, role): the second is drawn argument -> trigger, as annotators sometimes do.
RELATIONS = [("deployed", "NATO", "Agent"), ("Kosovo", "deployed", "Destination")]
# The second annotator disagrees on Kosovo's type and links only the Agent.
REGIONS_2 = {"NATO": ("entity", "ORG"), "Kosovo": ("entity", "LOC"), "deployed": ("trigger", "Movement.Deploy")}
RELATIONS_2 = [("deployed", "NATO", "Agent")]
SECOND = ("second.annotator@example.org", "second-password-1", "second-token-123456")

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


def _relate(page, source: str, target: str, role: str, regions: dict) -> None:
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
    ends = [regions[source][1], regions[target][1]]
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


def _log_in(page, url: str, user: str, password: str) -> None:  # type: ignore[no-untyped-def]
    """Log in to Label Studio's web UI as `user`."""
    page.goto(f"{url}/user/login/")
    page.fill("#email", user)
    page.fill("#password", password)
    page.click("button[aria-label='Log In']")
    page.wait_for_url(lambda u: "/user/login" not in u)


def _review_in_browser(url: str, project: int, task: int, shots: Path, decide: dict[str, str]) -> dict:
    """Log in as the reviewer, open the review project's labeling stream (as a reviewer works), read the guideline
    and the conflicts listed under the text, tick keep or drop for each (`decide`: the start of the conflict's
    description -> "keep" / "drop"), submit; returns the annotation the server stored and the texts shown."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.set_default_timeout(20_000)
        try:
            _log_in(page, url, USER, PASSWORD)
            page.goto(f"{url}/projects/{project}/data?labeling=1")
            close = page.locator("button[aria-label='Close modal']")
            close.wait_for(state="visible")
            assert "Annotation guideline" in page.locator(".lsf-modal-ls__content").inner_text()  # the guideline
            close.click()
            page.locator(".lsf-richtext__container .lsf-richtext__line").first.wait_for(state="visible")
            choices = page.locator(".lsf-choices label")
            choices.first.wait_for(state="visible")
            shown = choices.all_inner_texts()
            page.locator(".lsf-choices").first.scroll_into_view_if_needed()
            page.screenshot(path=str(shots / "labelstudio-review-stream.png"))
            for piece, decision in decide.items():
                (label,) = [
                    choices.nth(i)
                    for i in range(choices.count())
                    if re.match(rf"#\d+ {decision}: {re.escape(piece)}", shown[i])
                ]
                label.click()
            submit = page.locator("[data-testid=bottombar-submit-button]")
            with page.expect_response(
                lambda r: r.request.method == "POST" and urlparse(r.url).path == f"/api/tasks/{task}/annotations"
            ) as posted:
                submit.click()
            response = posted.value
            assert response.status == 201, response.text()
            return {"stored": response.json(), "shown": shown}
        except Exception:
            page.screenshot(path=str(shots / "labelstudio-review-failure.png"), full_page=True)
            raise
        finally:
            browser.close()


def _annotate_in_browser(
    url: str, project: int, task: int, shots: Path, user: str, password: str, regions: dict, relations: list
) -> dict:
    """Log in, annotate the task as an annotator would, submit; returns the annotation the server stored (201)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.set_default_timeout(20_000)
        try:
            _log_in(page, url, user, password)

            # The labeling stream, as an annotator works: the guideline first, then the next task with a fresh
            # annotation of one's own (others' annotations are not shown there).
            page.goto(f"{url}/projects/{project}/data?labeling=1")
            close = page.locator("button[aria-label='Close modal']")
            close.wait_for(state="visible")
            assert "Annotation guideline" in page.locator(".lsf-modal-ls__content").inner_text()
            close.click()
            page.locator(".lsf-richtext__container .lsf-richtext__line").first.wait_for(state="visible")
            page.locator(".lsf-labels .lsf-label").first.wait_for(state="visible")
            submit = page.locator("[data-testid=bottombar-submit-button]")
            submit.wait_for(state="visible")
            assert not submit.is_enabled()  # the project refuses empty submissions: nothing to submit yet

            for word, (_, label) in regions.items():
                _drag_region(page, word, label)
            for source, target, role in relations:
                _relate(page, source, target, role, regions)

            page.keyboard.press("Escape")
            with page.expect_response(
                lambda r: r.request.method == "POST" and urlparse(r.url).path == f"/api/tasks/{task}/annotations"
            ) as posted:
                submit.click()
            response = posted.value
            assert response.status == 201, response.text()
            return response.json()
        except Exception:
            page.screenshot(path=str(shots / f"labelstudio-ui-failure-{user}.png"), full_page=True)
            raise
        finally:
            browser.close()


def test_labelstudio_ui_two_annotators_enter_the_corpus(runner, ls_server, ls_env, tmp_path: Path):
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium (scripts/test.sh does it)")
    from label_studio_sdk import LabelStudio

    art = tmp_path / "pristina-talks.txt"
    art.write_text(ARTICLE, encoding="utf-8")
    r = run(runner, "export", art, "-o", tmp_path / "tasks.json")
    assert r.exit_code == 0, r.output
    r = run(runner, "ls", "push", tmp_path / "tasks.json", "--title", "UI annotation", "--overlap", "2")
    assert r.exit_code == 0, r.output
    pid = int(r.output.split()[1])
    r = run(runner, "ls", "push", tmp_path / "tasks.json", "--title", "UI annotation")  # pushing twice adds nothing
    assert r.exit_code == 0 and "0 new, 1 unchanged; 1 task(s) in all, 2 annotator(s) per task" in r.output
    client = LabelStudio(base_url=ls_env["LABEL_STUDIO_URL"], api_key=ls_env["LABEL_STUDIO_API_KEY"])
    (task,) = list(client.tasks.list(project=pid))

    stored = _annotate_in_browser(
        ls_env["LABEL_STUDIO_URL"], pid, task.id, tmp_path, USER, PASSWORD, REGIONS, RELATIONS
    )
    regions = {x["value"]["text"]: x for x in stored["result"] if x["type"] == "labels"}
    assert sorted(regions) == sorted(REGIONS)
    for word, (_, label) in REGIONS.items():
        value = regions[word]["value"]
        # the UI saves code points, Python's indices (its own string index would be one more, after the emoji)
        assert (regions[word]["from_name"], value["labels"], value["start"]) == ("label", [label], ARTICLE.index(word))
    drawn = {
        (x["from_id"], x["to_id"], tuple(x.get("labels", ()))) for x in stored["result"] if x["type"] == "relation"
    }
    assert drawn == {(regions[a]["id"], regions[b]["id"], (role,)) for a, b, role in RELATIONS}

    # The second annotator, an account made by Label Studio's own command, labels the same task.
    ls_server.add_user(*SECOND)
    stored2 = _annotate_in_browser(
        ls_env["LABEL_STUDIO_URL"], pid, task.id, tmp_path, SECOND[0], SECOND[1], REGIONS_2, RELATIONS_2
    )
    assert stored2["completed_by"] != stored["completed_by"]

    r = run(runner, "ls", "pull", pid, "-o", tmp_path / "export.json")
    assert r.exit_code == 0, r.output
    (exported,) = json.loads((tmp_path / "export.json").read_text(encoding="utf-8"))
    assert len(exported["annotations"]) == 2  # both annotators' work is kept
    assert "1 task(s) done, 0 short of 2 annotation(s)" in r.output
    r = run(runner, "import", tmp_path / "export.json", "-o", tmp_path / "gold.jsonl")
    assert r.exit_code == 2 and "2 completed annotations (" in r.output  # never one dropped silently
    r = run(runner, "import", tmp_path / "export.json", "-o", tmp_path / "gold.jsonl", "--pick", "ground-truth")
    assert r.exit_code == 2 and "0 of its 2 annotations" in r.output
    # the first annotator's version becomes gold when it is marked ground truth in Label Studio
    client.annotations.update(id=stored["id"], ground_truth=True)
    r = run(runner, "ls", "pull", pid, "-o", tmp_path / "export.json")
    r = run(runner, "import", tmp_path / "export.json", "-o", tmp_path / "gold.jsonl", "--pick", "ground-truth")
    assert r.exit_code == 0, r.output
    assert r.output.splitlines()[0] == (
        f"wrote 1 document(s) to {tmp_path / 'gold.jsonl'}: 2 entity mentions, 1 events, 2 arguments, "
        "from 1 annotator(s); turned 1 argument->trigger relation(s) around"
    )
    assert "1 annotation(s) left out by --pick: task" in r.output

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


def test_labelstudio_ui_a_reviewer_decides_every_conflict_in_the_stream(
    runner, ls_server, ls_env, tmp_path: Path, schema
):
    """Two annotators disagree on one task; `annot adjudicate --push` makes a review project; the reviewer opens
    it through the labeling stream and sees the guideline and every conflict with who said what; ticks keep or
    drop for each and submits; the next step annot printed, run verbatim, turns the decisions into gold."""
    import shlex

    from label_studio_sdk import LabelStudio

    from annot.labelstudio.tasks import prediction_result

    art = tmp_path / "pristina-talks.txt"
    art.write_text(ARTICLE, encoding="utf-8")
    assert run(runner, "export", art, "-o", tmp_path / "tasks.json").exit_code == 0
    r = run(runner, "ls", "push", tmp_path / "tasks.json", "--title", "UI review source", "--overlap", "2")
    assert r.exit_code == 0, r.output
    pid = int(r.output.split()[1])
    client = LabelStudio(base_url=ls_env["LABEL_STUDIO_URL"], api_key=ls_env["LABEL_STUDIO_API_KEY"])
    (task,) = list(client.tasks.list(project=pid))
    # two annotators' versions, stored through the API (the stream's annotation path is the test above)
    from annot.documents import Document, Entity, Event

    def version(kosovo: str, destination: bool) -> list:
        ents = (Entity(18, 22, "ORG", "T1"), Entity(42, 48, kosovo, "T2"))
        args = (Argument("Agent", "T1"),) + ((Argument("Destination", "T2"),) if destination else ())
        return prediction_result(
            Document("pristina-talks", ARTICLE, ents, (Event("E1", "Movement.Deploy", 23, 31, args),))
        )

    ls_server.add_user(*SECOND)
    second = LabelStudio(base_url=ls_env["LABEL_STUDIO_URL"], api_key=SECOND[2])
    client.annotations.create(id=task.id, result=version("GPE", True))
    second.annotations.create(id=task.id, result=version("LOC", False))
    assert run(runner, "ls", "pull", pid, "-o", tmp_path / "export.json").exit_code == 0

    record, gold = tmp_path / "decisions.json", tmp_path / "gold.jsonl"
    r = run(
        runner, "adjudicate", tmp_path / "export.json", "--record", record, "-o", gold, "--push", "--title", "UI review"
    )
    assert r.exit_code == 0, r.output
    assert "3 conflict(s)" in r.output
    last = r.output.strip().splitlines()[-1]
    review_pid = int(last.split()[2].rstrip(":"))
    (review_task,) = list(client.tasks.list(project=review_pid))
    got = _review_in_browser(
        ls_env["LABEL_STUDIO_URL"],
        review_pid,
        review_task.id,
        tmp_path,
        {"GPE “Kosovo”": "keep", "LOC “Kosovo”": "drop", "Destination of": "keep"},
    )
    shown = got["shown"]
    assert len(shown) == 6  # three conflicts, keep and drop each
    assert any(t.startswith("#1 keep: ") and "has it: annotator" in t and "has not: annotator" in t for t in shown)

    # the next step exactly as printed (with --record and -o), after the pull it names
    step = last.split("When the reviewer is done: ", 1)[1]
    pull, adjudicate = (shlex.split(part)[1:] for part in step.split(" && "))
    pull[pull.index("-o") + 1] = str(tmp_path / "review.json")
    adjudicate[adjudicate.index("--reviewed") + 1] = str(tmp_path / "review.json")
    assert run(runner, *pull).exit_code == 0
    r = run(runner, *adjudicate)
    assert r.exit_code == 0, r.output
    assert "1 reviewed; 0 with unresolved conflicts" in r.output
    decided = json.loads(record.read_text(encoding="utf-8"))["documents"]["pristina-talks"]
    assert decided["decision"] == "reviewed"
    assert sorted(c["decision"] for c in decided["conflicts"]) == ["drop", "keep", "keep"]
    (d,) = read_documents(gold)
    assert {d.text[e.start : e.end]: e.label for e in d.entities} == {"NATO": "ORG", "Kosovo": "GPE"}
    assert sorted(a.role for a in d.events[0].arguments) == ["Agent", "Destination"]


def test_labelstudio_ui_the_stream_shows_the_served_models_suggestions_and_import_counts_them(
    runner, ls_env, tmp_path: Path
):
    """annot's ML backend connected to a project: an annotator opening the labeling stream sees the system's
    entities and event words highlighted (nothing stored beforehand: the stream asked the backend), submits them
    as they are, and `annot import` counts them as accepted pre-annotations of the system's model_version."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium (scripts/test.sh does it)")
    from playwright.sync_api import sync_playwright

    from annot.jobs.config import load_eval_config
    from annot.jobs.loop import serve_system
    from annot.labelstudio.client import server_from_env

    from lsserver import free_port
    from support import ROOT

    text = "NATO deployed 500 troops to Kosovo on Monday, the alliance said in Brussels.\n"
    (tmp_path / "kfor.txt").write_text(text, encoding="utf-8")
    assert run(runner, "export", tmp_path / "kfor.txt", "-o", tmp_path / "tasks.json").exit_code == 0
    r = run(runner, "ls", "push", tmp_path / "tasks.json", "--title", "UI model in the loop")
    assert r.exit_code == 0, r.output
    pid = int(r.output.split()[1])
    cfg = load_eval_config(ROOT / "configs" / "evaluation.toml")
    serving = serve_system(cfg, "spacy-sm-events", port=free_port(), project=pid, server=server_from_env())
    version = serving.system.model_version
    (served,) = serving.system.predict([text])
    want = sorted(
        [text[e.start : e.end] for e in served.document.entities]
        + [text[ev.start : ev.end] for ev in served.document.events]
    )
    assert len(served.document.events) >= 2 and served.document.entities
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.set_default_timeout(30_000)
            try:
                _log_in(page, ls_env["LABEL_STUDIO_URL"], USER, PASSWORD)
                page.goto(f"{ls_env['LABEL_STUDIO_URL']}/projects/{pid}/data?labeling=1")
                close = page.locator("button[aria-label='Close modal']")
                close.wait_for(state="visible")
                close.click()
                page.locator(".lsf-richtext__container .lsf-richtext__line").first.wait_for(state="visible")
                highlights = page.locator(".htx-highlight")
                highlights.nth(len(want) - 1).wait_for(state="visible")
                shown = sorted(t.strip() for t in highlights.all_inner_texts())
                page.screenshot(path=str(tmp_path / "labelstudio-model-suggestions.png"))
                assert shown == want
                submit = page.locator("[data-testid=bottombar-submit-button]")
                with page.expect_response(
                    lambda r: r.request.method == "POST" and "/annotations" in urlparse(r.url).path
                ) as posted:
                    submit.click()
                stored = posted.value.json()
                assert posted.value.status == 201
            except Exception:
                page.screenshot(path=str(tmp_path / "labelstudio-model-failure.png"), full_page=True)
                raise
            finally:
                browser.close()
    finally:
        serving.backend.stop()
    assert stored["parent_prediction"] is not None
    assert serving.backend.stats.tasks == 1  # the stream asked the backend for the task it served

    assert run(runner, "ls", "pull", pid, "-o", tmp_path / "export.json").exit_code == 0
    r = run(runner, "import", tmp_path / "export.json", "-o", tmp_path / "gold.jsonl")
    assert r.exit_code == 0, r.output
    n = len(want)
    assert f"pre-annotations of {version}: {n} of {n} region(s) accepted unchanged (100.0 %)" in r.output
    (d,) = read_documents(tmp_path / "gold.jsonl")
    assert (d.entities, d.events) == (served.document.entities, served.document.events)


def test_labelstudio_ui_a_reviewer_decides_the_gold_review_in_the_stream(runner, ls_env, tmp_path: Path):
    """`annot corpus review-gold --push` as a reviewer meets it: the stream shows the gold and every listed item
    with who has it; the reviewer ticks keep or drop and submits without touching a region; the next step annot
    printed records the decisions, and the rebuilt corpus follows them."""
    import shlex

    from label_studio_sdk import LabelStudio

    from support import gold_review_corpus

    corpus, config = gold_review_corpus(tmp_path, runner)
    r = run(runner, "corpus", "review-gold", corpus, "--config", config, "--push", "--title", "UI gold review")
    assert r.exit_code == 0, r.output
    last = r.output.strip().splitlines()[-1]
    pid = int(last.split()[2].rstrip(":"))
    client = LabelStudio(base_url=ls_env["LABEL_STUDIO_URL"], api_key=ls_env["LABEL_STUDIO_API_KEY"])
    (task,) = list(client.tasks.list(project=pid))
    got = _review_in_browser(
        ls_env["LABEL_STUDIO_URL"],
        pid,
        task.id,
        tmp_path,
        {
            "LOC “Oslo” at 22-26": "drop",
            "GPE “Oslo” at 22-26": "keep",
            "DATE “Monday” at 30-36": "keep",
            "GPE “Serbia” at 38-44": "keep",
        },
    )
    shown = got["shown"]
    assert len(shown) == 8  # four items, keep and drop each
    assert any(t.startswith("#1 keep: LOC “Oslo”") and "has it: gold" in t for t in shown)
    # the next step exactly as printed, with the pull it names
    step = last.split("When the reviewer is done: ", 1)[1]
    pull, record = (shlex.split(part)[1:] for part in step.split(" && "))
    pull[pull.index("-o") + 1] = str(tmp_path / "review.json")
    record[record.index("--reviewed") + 1] = str(tmp_path / "review.json")
    assert run(runner, *pull).exit_code == 0
    r = run(runner, *record)
    assert r.exit_code == 0, r.output
    assert "1 document(s) reviewed: 4 change(s) to the gold recorded" in r.output, r.output
    assert run(runner, "corpus", "build", corpus).exit_code == 0
    (doc,) = [d for d in read_documents(corpus / "documents.jsonl") if d.id == "oslo-meeting"]
    assert {doc.text[e.start : e.end]: e.label for e in doc.entities} == {
        "NATO": "ORG",
        "Oslo": "GPE",
        "Monday": "DATE",
        "Serbia": "GPE",
    }
