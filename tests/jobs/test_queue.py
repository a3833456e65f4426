"""A labeling queue ordered by disagreement, measured on a real Label Studio: what its labeling stream serves, task
after task, is the order annot wrote beside the tasks file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from annot.documents import Document, Entity, write_documents

from lsserver import api
from support import run

pytestmark = pytest.mark.server

TEXTS = {
    "d1": "NATO met Serbia in Brussels on Monday.",
    "d2": "Turkey sent troops to Kosovo on Tuesday.",
    "d3": "Greece and Cyprus talked in Athens.",
    "d4": "Rebels attacked Goma and Bunia at dawn.",
    "d5": "The EU sanctioned Russia over Ukraine.",
}


def ents(text: str, *words_labels: tuple[str, str]) -> tuple[Entity, ...]:
    return tuple(
        Entity(text.index(w), text.index(w) + len(w), label, f"T{i}") for i, (w, label) in enumerate(words_labels, 1)
    )


# Two systems' outputs: they agree on d1 and d3, half agree on d2, disagree on everything in d4, a third on d5.
SYSTEM_A = {
    "d1": (("NATO", "ORG"), ("Serbia", "GPE")),
    "d2": (("Turkey", "GPE"), ("Kosovo", "GPE")),
    "d3": (("Greece", "GPE"),),
    "d4": (("Goma", "GPE"), ("Bunia", "GPE")),
    "d5": (("EU", "ORG"), ("Russia", "GPE"), ("Ukraine", "GPE")),
}
SYSTEM_B = {
    "d1": (("NATO", "ORG"), ("Serbia", "GPE")),
    "d2": (("Turkey", "GPE"), ("Kosovo", "LOC")),
    "d3": (("Greece", "GPE"),),
    "d4": (("Goma", "LOC"),),
    "d5": (("EU", "ORG"), ("Russia", "GPE"), ("Ukraine", "LOC")),
}
WANT = ["d4", "d2", "d5", "d1", "d3"]  # 1 - F1: 1.0, 0.5, 1/3, 0, 0 (ties in file order)


def served_order(env: dict[str, str], pid: int, n: int, via_stream_action: bool = False) -> list[str]:
    """What the labeling stream serves one annotator, task after task, each submitted before the next: the
    endpoint of `/projects/ID/next`, or the action the web UI's "Label All Tasks" calls (a Data Manager tab)."""
    got = []
    tab = (
        api(env, "POST", "/api/dm/views", {"project": pid, "data": {"title": "Default"}}) if via_stream_action else None
    )
    for _ in range(n):
        if tab is None:
            task = api(env, "GET", f"/api/projects/{pid}/next")
        else:
            task = api(env, "POST", f"/api/dm/actions?id=next_task&tabID={tab['id']}&project={pid}", {})  # type: ignore[index]
        got.append(task["data"]["doc_id"])  # type: ignore[index]
        region = {
            "from_name": "label",
            "to_name": "text",
            "type": "labels",
            "value": {"start": 0, "end": 2, "text": task["data"]["text"][:2], "labels": ["ORG"]},  # type: ignore[index]
        }
        api(env, "POST", f"/api/tasks/{task['id']}/annotations", {"result": [region]})  # type: ignore[index]
    return got


@pytest.mark.parametrize("via_stream_action", [False, True], ids=["next-endpoint", "label-all-tasks-action"])
def test_queue_the_stream_serves_the_new_tasks_most_disagreed_first(
    runner, ls_env, tmp_path: Path, via_stream_action: bool
):
    articles = tmp_path / "articles.jsonl"
    articles.write_text(
        "".join(json.dumps({"id": "d0", "text": "An older task, pushed before."}) + "\n" for _ in [0])
        + "".join(json.dumps({"id": k, "text": v}) + "\n" for k, v in TEXTS.items()),
        encoding="utf-8",
    )
    first = tmp_path / "first.jsonl"
    first.write_text(json.dumps({"id": "d0", "text": "An older task, pushed before."}) + "\n", encoding="utf-8")
    title = f"queue {via_stream_action}"
    assert run(runner, "export", first, "-o", tmp_path / "first.json").exit_code == 0
    r = run(runner, "ls", "push", tmp_path / "first.json", "--title", title)
    assert r.exit_code == 0, r.output
    pid = int(r.output.split()[1])
    api(ls_env, "PATCH", f"/api/projects/{pid}", {"sampling": "Uniform sampling"})  # a project set to random

    for name, system in (("a", SYSTEM_A), ("b", SYSTEM_B)):
        write_documents(tmp_path / f"{name}.jsonl", [Document(k, TEXTS[k], ents(TEXTS[k], *system[k])) for k in TEXTS])
    tasks = tmp_path / "tasks.json"
    assert run(runner, "export", articles, "-o", tasks).exit_code == 0
    r = run(
        runner,
        *("ls", "push", tasks, "--title", title, "--order", "disagreement"),
        *("--pred", tmp_path / "a.jsonl", "--pred", tmp_path / "b.jsonl"),
    )
    assert r.exit_code == 0, r.output
    assert f"project {pid} (found): 5 new, 1 unchanged" in r.output
    assert (
        f"queue: 5 new document(s) most disagreed first (d4, d2, d5 ...); sampling Sequential; ordering and "
        f"scores in {tmp_path / 'tasks.order.json'}" in r.output
    )
    written = json.loads((tmp_path / "tasks.order.json").read_text(encoding="utf-8"))
    assert [x["document"] for x in written["order"]] == WANT
    assert [x["disagreement"] for x in written["order"]] == [1.0, 0.5, 0.333333, 0.0, 0.0]
    assert written["order"][1]["pairwise_f1"] == {"a / b": 0.5}
    assert written["systems"] == ["a", "b"] and written["already_in_project"] == ["d0"]
    assert written["measure"].startswith("disagreement = 1 - mean over pairs of systems of the pairwise F1")

    project = api(ls_env, "GET", f"/api/projects/{pid}")
    assert project["sampling"] == "Sequential sampling"  # type: ignore[index]
    # measured: the older task first (imported before), then the new ones in the order written
    assert served_order(ls_env, pid, 6, via_stream_action) == ["d0", *WANT]
    tasks_now = api(ls_env, "GET", f"/api/tasks?project={pid}&fields=all")
    scores = {t["data"]["doc_id"]: t["data"].get("disagreement") for t in tasks_now["tasks"]}  # type: ignore[index]
    assert scores == {"d0": None, "d4": 1.0, "d2": 0.5, "d5": 0.333333, "d1": 0.0, "d3": 0.0}  # a column to sort by


def test_queue_by_the_configured_systems_and_the_refusals(runner, ls_env, tmp_path: Path):
    """The configured systems predict the new documents (here two of them, named); too few systems, unknown
    names, files that do not cover the documents are refused before anything is pushed."""
    articles = tmp_path / "articles.jsonl"
    articles.write_text("".join(json.dumps({"id": k, "text": v}) + "\n" for k, v in TEXTS.items()), encoding="utf-8")
    tasks = tmp_path / "tasks.json"
    assert run(runner, "export", articles, "-o", tasks).exit_code == 0
    r = run(
        runner, "ls", "push", tasks, "--title", "queue configured", "--order", "disagreement", "--system", "spacy-sm"
    )
    assert r.exit_code == 2 and "ordering by disagreement needs two systems or more, got 1" in r.output
    r = run(runner, "ls", "push", tasks, "--title", "queue configured", "--order", "disagreement", "--system", "nope")
    assert r.exit_code == 2 and "no system 'nope' in the evaluation config" in r.output
    write_documents(tmp_path / "a.jsonl", [Document("d1", TEXTS["d1"])])
    write_documents(tmp_path / "b.jsonl", [Document(k, v) for k, v in TEXTS.items()])
    r = run(
        runner,
        *("ls", "push", tasks, "--title", "queue configured", "--order", "disagreement"),
        *("--pred", tmp_path / "a.jsonl", "--pred", tmp_path / "b.jsonl"),
    )
    assert r.exit_code == 2 and f"{tmp_path / 'a.jsonl'}: no prediction for document 'd2'" in r.output
    assert not (tmp_path / "tasks.order.json").exists()
    r = run(runner, "ls", "push", tasks, "--title", "queue configured", "--system", "spacy-sm")
    assert r.exit_code == 2 and "Add --order disagreement" in r.output
    r = run(runner, "ls", "projects")
    assert "queue configured" not in r.output  # nothing was made

    r = run(
        runner,
        *("ls", "push", tasks, "--title", "queue configured", "--order", "disagreement"),
        *("--system", "spacy-sm", "--system", "spacy-sm-events"),
    )
    assert r.exit_code == 0, r.output
    written = json.loads((tmp_path / "tasks.order.json").read_text(encoding="utf-8"))
    assert written["systems"] == ["spacy-sm", "spacy-sm-events"]
    scores = [x["disagreement"] for x in written["order"]]
    assert sorted(x["document"] for x in written["order"]) == sorted(TEXTS) and scores == sorted(scores, reverse=True)
    assert set(written["order"][0]["pairwise_f1"]) == {"spacy-sm / spacy-sm-events"}
