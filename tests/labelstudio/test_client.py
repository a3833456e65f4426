"""Against a real Label Studio server on 127.0.0.1 (started by the fixtures): push in sync, settings, two
annotators, pull that keeps everything, status; faults a server will not make on demand go through a proxy."""

from __future__ import annotations

import json
import os
import re
import stat
import urllib.request
from pathlib import Path

import pytest

from annot.documents import read_documents
from annot.errors import AnnotError
from annot.labelstudio.authoring import author_export
from annot.labelstudio.client import (
    ProjectSettings,
    Server,
    check_server,
    pull_export,
    push_tasks,
    redact,
    server_from_env,
)
from annot.labelstudio.config import labeling_config
from annot.labelstudio.tasks import make_tasks
from annot.schema import schema_from_dict

from lsserver import FaultyProxy, free_port
from support import DATA, ROOT, SEED_SOURCE, run

pytestmark = pytest.mark.server


def _client(url: str, key: str):  # type: ignore[no-untyped-def]
    from label_studio_sdk import LabelStudio

    return LabelStudio(base_url=url, api_key=key)


def _tasks(*texts: str, prefix: str = "doc") -> list[dict]:
    from annot.documents import Document

    return make_tasks([Document(f"{prefix}-{i}", t) for i, t in enumerate(texts)])


def _pid(output: str) -> int:
    return int(output.split()[1])


def test_client_round_trip_through_a_real_server(runner, ls_env, tmp_path: Path, schema):
    art = tmp_path / "kfor-reinforcements-2023-06.txt"
    art.write_text((DATA / "seed_article.txt").read_text(encoding="utf-8"), encoding="utf-8")
    assert run(runner, "export", art, "-o", tmp_path / "tasks.json").exit_code == 0
    r = run(runner, "ls", "push", tmp_path / "tasks.json", "--title", "round trip")
    assert r.exit_code == 0, r.output
    pid = _pid(r.output)
    assert r.output.startswith(f"project {pid} (created): 1 new, 0 unchanged; 1 task(s) in all")
    assert ls_env["LABEL_STUDIO_API_KEY"] not in r.output

    # The annotator's submission, posted as the UI posts it; one more task is skipped (cancelled).
    client = _client(ls_env["LABEL_STUDIO_URL"], ls_env["LABEL_STUDIO_API_KEY"])
    (task,) = list(client.tasks.list(project=pid))
    result = author_export([SEED_SOURCE], schema)[0]["annotations"][0]["result"]
    client.annotations.create(id=task.id, result=result, was_cancelled=False, lead_time=42.0)
    client.projects.import_tasks(id=pid, request=[{"data": {"text": "Skipped.", "doc_id": "skipped", "sha256": ""}}])
    skipped = [t for t in client.tasks.list(project=pid) if t.id != task.id][0]
    client.annotations.create(id=skipped.id, result=[], was_cancelled=True)

    r = run(runner, "ls", "pull", pid, "-o", tmp_path / "export.json")
    assert r.exit_code == 0, r.output
    assert r.output.splitlines()[0] == (
        f"wrote 2 task(s) to {tmp_path / 'export.json'} (readable only by you: it holds annotators' work)"
    )
    r = run(runner, "import", tmp_path / "export.json", "-o", tmp_path / "gold.jsonl")
    assert r.exit_code == 0, r.output
    assert "1 skipped (cancelled) annotation(s): task " in r.output
    (d,) = read_documents(tmp_path / "gold.jsonl")
    from annot.labelstudio.importer import documents_from_export

    (drawn,), _ = documents_from_export(author_export([SEED_SOURCE], schema), schema)  # what was drawn, exactly
    assert (d.text, d.entities, d.events) == (drawn.text, drawn.entities, drawn.events)


def test_client_push_is_in_sync_never_duplicates(runner, ls_env, tmp_path: Path, schema):
    server = server_from_env()
    first = push_tasks(server, _tasks("NATO met.", "KFOR left."), schema, title="sync")
    assert (first.created, len(first.new), first.unchanged) == (True, 2, ())
    again = push_tasks(server, _tasks("NATO met.", "KFOR left.", "EU spoke."), schema, title="sync")
    assert (again.created, again.project.id, again.new, again.unchanged) == (
        False,
        first.project.id,
        ("doc-2",),
        ("doc-0", "doc-1"),
    )
    client = _client(ls_env["LABEL_STUDIO_URL"], ls_env["LABEL_STUDIO_API_KEY"])
    assert len(list(client.tasks.list(project=first.project.id))) == 3
    # the same file through the CLI, twice: nothing added
    (tmp_path / "t.json").write_text(json.dumps(_tasks("NATO met.", "KFOR left.", "EU spoke.")), encoding="utf-8")
    for _ in range(2):
        r = run(runner, "ls", "push", tmp_path / "t.json", "--title", "sync")
        assert r.exit_code == 0 and "0 new, 3 unchanged; 3 task(s) in all" in r.output, r.output
    # a changed text is refused, never a second task
    with pytest.raises(AnnotError) as err:
        push_tasks(server, _tasks("NATO met again."), schema, project=first.project.id)
    assert "1 document(s) are already in the project with another text; nothing was pushed" in err.value.message
    assert err.value.problems == ["doc-0: text differs from the task in the project (SHA-256)"]
    assert len(list(client.tasks.list(project=first.project.id))) == 3
    # two projects with the same title: the user must name one
    client.projects.create(title="sync", label_config=labeling_config(schema))
    with pytest.raises(AnnotError, match="2 projects are titled 'sync'"):
        push_tasks(server, _tasks("x y"), schema, title="sync")


def test_client_project_settings_for_a_team(ls_env, schema):
    server = server_from_env()
    r = push_tasks(
        server,
        _tasks("NATO met."),
        schema,
        title="team",
        settings=ProjectSettings(overlap=2, instructions_html="<h1>G</h1>"),
    )
    p = _client(ls_env["LABEL_STUDIO_URL"], ls_env["LABEL_STUDIO_API_KEY"]).projects.get(id=r.project.id)
    assert (p.maximum_annotations, p.overlap_cohort_percentage, p.show_instruction) == (2, 100, True)
    assert p.expert_instruction == "<h1>G</h1>" and p.show_annotation_history is False
    assert p.enable_empty_annotation is False
    # pushing without settings leaves them as they are
    push_tasks(server, _tasks("NATO met."), schema, project=r.project.id)
    assert (
        _client(ls_env["LABEL_STUDIO_URL"], ls_env["LABEL_STUDIO_API_KEY"])
        .projects.get(id=r.project.id)
        .maximum_annotations
        == 2
    )


def test_client_foreign_config_refused_unless_forced(ls_env, schema):
    client = _client(ls_env["LABEL_STUDIO_URL"], ls_env["LABEL_STUDIO_API_KEY"])
    foreign = client.projects.create(
        title="foreign",
        label_config='<View><Text name="text" value="$text"/><Choices name="c" toName="text"><Choice value="a"/></Choices></View>',
    )
    with pytest.raises(AnnotError) as err:
        push_tasks(server_from_env(), _tasks("NATO met."), schema, project=foreign.id)
    assert err.value.message == f"project {foreign.id} ('foreign') has a labeling config that is not annot's"
    assert len(list(client.tasks.list(project=foreign.id))) == 0
    r = push_tasks(server_from_env(), _tasks("NATO met."), schema, project=foreign.id, force=True)
    assert (
        r.config == "forced"
        and client.projects.get(id=foreign.id).label_config.strip() == labeling_config(schema).strip()
    )


def test_client_schema_change_updates_the_config_or_says_why_not(ls_env, schema):
    import copy

    server = server_from_env()
    r = push_tasks(server, _tasks("NATO met KFOR."), schema, title="schema change")
    client = _client(ls_env["LABEL_STUDIO_URL"], ls_env["LABEL_STUDIO_API_KEY"])
    (task,) = list(client.tasks.list(project=r.project.id))
    region = {
        "id": "r1",
        "from_name": "label",
        "to_name": "text",
        "type": "labels",
        "value": {"start": 9, "end": 13, "text": "KFOR", "labels": ["MIL"]},
    }
    client.annotations.create(id=task.id, result=[region])
    raw = json.loads(json.dumps(_schema_dict()))
    added = copy.deepcopy(raw)
    added["entities"]["WEAPON"] = {
        "description": "weapon",
        "guideline": "A named weapon.",
        "color": "#000000",
        "hotkey": "9",
    }
    grown = schema_from_dict(added)
    again = push_tasks(server, _tasks("NATO met KFOR."), grown, project=r.project.id)
    assert again.config == "updated" and "WEAPON" in client.projects.get(id=r.project.id).label_config
    shrunk = copy.deepcopy(raw)
    del shrunk["entities"]["MIL"]
    for ev in shrunk["events"].values():
        for role, fillers in ev["roles"].items():
            ev["roles"][role] = [f for f in fillers if f != "MIL"] or ["ORG"]
    with pytest.raises(AnnotError) as err:
        push_tasks(server, _tasks("NATO met KFOR."), schema_from_dict(shrunk), project=r.project.id)
    assert "would invalidate annotations: MIL (1 region(s) or relation(s))" in err.value.message


def _schema_dict() -> dict:
    import tomllib

    return tomllib.loads((ROOT / "configs" / "schema.toml").read_text(encoding="utf-8"))


def test_client_two_annotators_pull_keeps_both(runner, ls_server, ls_env, tmp_path: Path, schema):
    server = server_from_env()
    r = push_tasks(
        server,
        _tasks("NATO met KFOR in Pristina.", "Quiet day."),
        schema,
        title="two",
        settings=ProjectSettings(overlap=2),
    )
    ls_server.add_user("second@example.org", "second-password-1", "second-token-123456")
    one = _client(ls_env["LABEL_STUDIO_URL"], ls_env["LABEL_STUDIO_API_KEY"])
    two = _client(ls_env["LABEL_STUDIO_URL"], "second-token-123456")
    task = next(t for t in one.tasks.list(project=r.project.id) if t.data["doc_id"] == "doc-0")

    def reg(rid, s, e, label, text):  # type: ignore[no-untyped-def]
        return {
            "id": rid,
            "from_name": "label",
            "to_name": "text",
            "type": "labels",
            "value": {"start": s, "end": e, "text": text, "labels": [label]},
        }

    one.annotations.create(id=task.id, result=[reg("a", 0, 4, "ORG", "NATO"), reg("b", 9, 13, "MIL", "KFOR")])
    two.annotations.create(id=task.id, result=[reg("c", 0, 4, "ORG", "NATO"), reg("d", 17, 25, "GPE", "Pristina")])
    req = urllib.request.Request(
        f"{ls_env['LABEL_STUDIO_URL']}/api/tasks/{task.id}/drafts",
        method="POST",
        headers={"Authorization": "Token second-token-123456", "Content-Type": "application/json"},
        data=json.dumps({"result": [reg("e", 9, 13, "ORG", "KFOR")]}).encode(),
    )
    urllib.request.urlopen(req).close()

    r2 = run(runner, "ls", "pull", r.project.id, "-o", tmp_path / "e.json")
    assert r2.exit_code == 0, r2.output
    exported = json.loads((tmp_path / "e.json").read_text(encoding="utf-8"))
    annotated = next(t for t in exported if t["data"]["doc_id"] == "doc-0")
    assert sorted(a["completed_by"] for a in annotated["annotations"]) == [1, 2]
    assert "@" not in (tmp_path / "e.json").read_text(encoding="utf-8")  # no e-mail address in the file
    assert stat.S_IMODE((tmp_path / "e.json").stat().st_mode) == 0o600  # annotators' work: private
    status = r2.output.splitlines()[1]
    assert (
        "completed annotations: annotator 1: 1, annotator 2: 1; 0 skipped, 1 draft(s) (annotator 2: 1); "
        "1 task(s) done, 1 short of 2" in status
    )
    (draft,) = annotated["drafts"]
    assert draft["user"] == 2  # the draft keeps its owner, as an id
    r3 = run(runner, "ls", "status", r.project.id)
    assert r3.exit_code == 0 and r3.output.strip() == status
    r3 = run(runner, "import", tmp_path / "e.json", "-o", tmp_path / "two.jsonl", "--annotator", "2")
    assert r3.exit_code == 0, r3.output
    (only,) = read_documents(tmp_path / "two.jsonl")
    assert only.meta["annotation"]["annotator"] == 2 and "draft(s), not imported" in r3.output
    assert re.search(r"task \d+ \(doc doc-0\), draft \d+ by annotator 2", r3.output)

    r4 = run(runner, "import", tmp_path / "e.json", "-o", tmp_path / "g.jsonl")
    assert r4.exit_code == 2 and "2 completed annotations (" in r4.output and "by annotator 2" in r4.output
    r5 = run(runner, "import", tmp_path / "e.json", "-o", tmp_path / "g.jsonl", "--pick", "latest")
    assert r5.exit_code == 0, r5.output
    assert "1 annotation(s) left out by --pick: task" in r5.output
    assert "1 draft(s), not imported" in r5.output and "1 task(s) with no annotation yet: doc-1" in r5.output

    # ground truth without a star: annot marks annotator 2's annotations on the server, import takes them
    r6 = run(runner, "ls", "ground-truth", r.project.id, "--annotator", "2")
    assert r6.exit_code == 0, r6.output
    assert r6.output.splitlines()[0] == (
        f"project {r.project.id}: annotator 2's annotation is now the ground truth of 1 task(s)"
    )
    assert "1 document(s) without a completed annotation by 2: doc-1" in r6.output
    run(runner, "ls", "pull", r.project.id, "-o", tmp_path / "e.json")
    r7 = run(runner, "import", tmp_path / "e.json", "-o", tmp_path / "gt.jsonl", "--pick", "ground-truth")
    assert r7.exit_code == 0, r7.output
    (gt,) = read_documents(tmp_path / "gt.jsonl")
    assert gt.meta["annotation"]["annotator"] == 2 and gt.meta["annotation"]["ground_truth"] is True
    # marking annotator 1 instead unmarks annotator 2's: one ground truth per task
    r8 = run(runner, "ls", "ground-truth", r.project.id, "--annotator", "1", "--document", "doc-0")
    assert "1 other annotation(s) unmarked" in r8.output
    run(runner, "ls", "pull", r.project.id, "-o", tmp_path / "e.json")
    assert (
        run(runner, "import", tmp_path / "e.json", "-o", tmp_path / "gt.jsonl", "--pick", "ground-truth").exit_code == 0
    )
    assert read_documents(tmp_path / "gt.jsonl")[0].meta["annotation"]["annotator"] == 1


def test_client_status_lists_relations_import_would_refuse(runner, ls_env, tmp_path: Path, schema):
    """A role the event type forbids (Victim of a deployment) is submitted without complaint by Label Studio;
    `annot ls status` names it with its task, annotator and words, while it can still be fixed."""
    server = server_from_env()
    r = push_tasks(server, _tasks("NATO deployed troops."), schema, title="roles")
    one = _client(ls_env["LABEL_STUDIO_URL"], ls_env["LABEL_STUDIO_API_KEY"])
    (task,) = list(one.tasks.list(project=r.project.id))
    regions = [
        {"id": "n", "from_name": "label", "to_name": "text", "type": "labels",
         "value": {"start": 0, "end": 4, "text": "NATO", "labels": ["ORG"]}},
        {"id": "d", "from_name": "label", "to_name": "text", "type": "labels",
         "value": {"start": 5, "end": 13, "text": "deployed", "labels": ["Movement.Deploy"]}},
        {"from_id": "d", "to_id": "n", "type": "relation", "direction": "right", "labels": ["Victim"]},
    ]  # fmt: skip
    one.annotations.create(id=task.id, result=regions)
    st = run(runner, "ls", "status", r.project.id)
    assert st.exit_code == 0, st.output
    lines = st.output.splitlines()
    assert lines[1] == "1 problem(s) `annot import` would refuse; open the task and fix:"
    assert lines[2].startswith(f"  - task {task.id} (doc doc-0), annotator 1, annotation ")
    assert "Victim" in lines[2] and "“NATO”" in lines[2] and "Pick an allowed role in the Relations tab" in lines[2]


def test_client_the_generated_config_allows_one_role_per_relation(schema):
    import xml.etree.ElementTree as ET

    from annot.labelstudio.config import check_labeling_config

    root = ET.fromstring(labeling_config(schema))
    assert root.find(".//Relations").get("choice") == "single"
    headers = [h.get("value") for h in root.findall("Header")]
    assert any(
        h.startswith("Roles allowed: Movement.Deploy: Agent, Force, Origin, Destination, Time;") for h in headers
    )
    several = labeling_config(schema).replace('<Relations choice="single">', '<Relations choice="multiple">')
    assert check_labeling_config(schema, several) == [
        'labeling config: <Relations> must have choice="single" (one role per relation)'
    ]


def test_client_accepted_preannotations_are_measured(runner, ls_env, tmp_path: Path, schema):
    from annot.documents import Document, Entity

    text = "NATO met KFOR."
    pred = Document("doc-0", text, (Entity(0, 4, "ORG", "T1"), Entity(9, 13, "ORG", "T2")))
    tasks = make_tasks([Document("doc-0", text)], [pred], "spacy-sm")
    r = push_tasks(server_from_env(), tasks, schema, title="preannotated")
    client = _client(ls_env["LABEL_STUDIO_URL"], ls_env["LABEL_STUDIO_API_KEY"])
    (task,) = list(client.tasks.list(project=r.project.id))
    result = [
        {
            "id": "T1",
            "from_name": "label",
            "to_name": "text",
            "type": "labels",
            "origin": "prediction",
            "value": {"start": 0, "end": 4, "text": "NATO", "labels": ["ORG"]},
        },
        {
            "id": "T2",
            "from_name": "label",
            "to_name": "text",
            "type": "labels",
            "origin": "prediction-changed",
            "value": {"start": 9, "end": 13, "text": "KFOR", "labels": ["MIL"]},
        },
    ]
    client.annotations.create(id=task.id, result=result)
    pull_export(server_from_env(), r.project.id, tmp_path / "e.json")
    r2 = run(runner, "import", tmp_path / "e.json", "-o", tmp_path / "g.jsonl")
    assert r2.exit_code == 0, r2.output
    assert "pre-annotations of spacy-sm: 1 of 2 region(s) accepted unchanged (50.0 %)" in r2.output
    (d,) = read_documents(tmp_path / "g.jsonl")
    assert d.meta["annotation"]["accepted_predictions"] == [
        {"start": 0, "end": 4, "label": "ORG", "model_version": "spacy-sm"}
    ]


def test_client_server_stores_bad_regions_and_import_refuses_them(runner, ls_env, tmp_path: Path, schema):
    """The server accepts a span past the end and an unknown label; annot import must not."""
    client = _client(ls_env["LABEL_STUDIO_URL"], ls_env["LABEL_STUDIO_API_KEY"])
    r = push_tasks(server_from_env(), _tasks("NATO met.", prefix="bad"), schema, title="bad")
    (task,) = list(client.tasks.list(project=r.project.id))
    client.annotations.create(
        id=task.id,
        result=[
            {
                "id": "r1",
                "from_name": "label",
                "to_name": "text",
                "type": "labels",
                "value": {"start": 0, "end": 40, "text": "NATO met.", "labels": ["ORG"]},
            },
            {
                "id": "r2",
                "from_name": "label",
                "to_name": "text",
                "type": "labels",
                "value": {"start": 5, "end": 8, "text": "met", "labels": ["WEAPON"]},
            },
        ],
    )
    pull_export(server_from_env(), r.project.id, tmp_path / "e.json")
    r2 = run(runner, "import", tmp_path / "e.json", "-o", tmp_path / "g.jsonl")
    assert r2.exit_code == 2
    head = f"  - task {task.id} (doc bad-0), annotator 1, annotation "
    assert head in r2.output
    assert ": ORG span at 0-40 (region r1): offsets start=0 end=40 are outside 0 <= start < end <= 9" in r2.output
    assert ": WEAPON “met” at 5-8 (region r2): label 'WEAPON' is not an entity type or an event type" in r2.output
    assert not (tmp_path / "g.jsonl").exists()


# ------------------------------------------------------------- key and URL


def test_client_bad_key_is_refused_and_never_printed(runner, ls_server, tmp_path: Path, monkeypatch):
    monkeypatch.setenv("LABEL_STUDIO_URL", ls_server.url)
    monkeypatch.setenv("LABEL_STUDIO_API_KEY", "wrong-key-123456")
    (tmp_path / "t.json").write_text(json.dumps(_tasks("x")), encoding="utf-8")
    r = run(runner, "ls", "push", tmp_path / "t.json")
    assert r.exit_code == 2
    assert r.output.startswith(
        f"Error: connecting (checking the API key): {ls_server.url} refused the API key (HTTP 401)"
    )
    assert "wrong-key-123456" not in r.output


@pytest.mark.parametrize(
    "url, key, problem",
    [
        ("http://127.0.0.1:9", "abc\ndef-secret", "LABEL_STUDIO_API_KEY is not a usable API key"),
        ("http://127.0.0.1:9", "short", "LABEL_STUDIO_API_KEY is not a usable API key"),
        ("http://bob:hunter2-secret@127.0.0.1:9", "good-key-123456", "LABEL_STUDIO_URL must not hold a user name"),
        ("127.0.0.1:9", "good-key-123456", "LABEL_STUDIO_URL must be an http:// or https:// URL"),
    ],
)
def test_client_settings_checked_before_use_and_never_echoed(runner, monkeypatch, tmp_path: Path, url, key, problem):
    monkeypatch.setenv("LABEL_STUDIO_URL", url)
    monkeypatch.setenv("LABEL_STUDIO_API_KEY", key)
    r = run(runner, "ls", "status", "1")
    assert r.exit_code == 2
    assert problem in r.output
    for secret in ("def-secret", "hunter2-secret", "short"):
        if secret in key or secret in url:
            assert secret not in r.output


def test_client_missing_environment(runner, monkeypatch, tmp_path: Path):
    monkeypatch.chdir(tmp_path)  # no project here: no local server to fall back on
    monkeypatch.delenv("LABEL_STUDIO_URL", raising=False)
    monkeypatch.delenv("LABEL_STUDIO_API_KEY", raising=False)
    r = run(runner, "ls", "pull", "1", "-o", tmp_path / "e.json")
    assert r.exit_code == 2
    assert r.output.splitlines()[0] == "Error: LABEL_STUDIO_URL and LABEL_STUDIO_API_KEY not set"


def test_client_server_repr_and_redaction_hide_the_key():
    s = Server("http://x", "secret-token-1")
    assert "secret" not in repr(s)
    body = "Authorization: Token secret-token-1\nX: y\nurl http://u:p@h/x bearer abcdefgh"
    shown = redact(body, s)
    assert "secret-token-1" not in shown and "u:p@" not in shown and "abcdefgh" not in shown
    assert len(redact("x" * 1000, s)) == 300


# ------------------------------------------------------------------ faults


def test_client_push_through_a_proxy_that_loses_answers_never_duplicates(ls_env, schema):
    """The proxy forwards the import, the server stores the tasks, the answer is lost (502): annot says what the
    server has, and pushing again adds nothing twice."""
    proxy = FaultyProxy(ls_env["LABEL_STUDIO_URL"], fail_after_forwarding=("POST", "/import"))
    try:
        through = check_server(proxy.url, ls_env["LABEL_STUDIO_API_KEY"])
        with pytest.raises(AnnotError) as err:
            push_tasks(through, _tasks("A met B.", "C met D."), schema, title="lossy")
        assert "answered HTTP 502" in err.value.message
        assert "now has 2 of the 2 new document(s); the same push sends only the 0 missing" in err.value.problems[-1]
        assert [c for c in proxy.calls if c[0] == "POST" and "/import" in c[1]] == [
            next(c for c in proxy.calls if c[0] == "POST" and "/import" in c[1])
        ]  # sent once: no blind retry
        again = push_tasks(server_from_env(), _tasks("A met B.", "C met D."), schema, title="lossy")
        assert again.new == () and len(again.unchanged) == 2
    finally:
        proxy.close()


def test_client_project_creation_through_a_lossy_proxy_is_found_again(ls_env, schema):
    proxy = FaultyProxy(ls_env["LABEL_STUDIO_URL"], fail_after_forwarding=("POST", "/api/projects"))
    try:
        with pytest.raises(AnnotError) as err:
            push_tasks(
                check_server(proxy.url, ls_env["LABEL_STUDIO_API_KEY"]),
                _tasks("E met F."),
                schema,
                title="lossy create",
            )
        assert "titled 'lossy create': the same push adds to it" in err.value.problems[-1]
        r = push_tasks(server_from_env(), _tasks("E met F."), schema, title="lossy create")
        assert r.created is False and r.new == ("doc-0",)
    finally:
        proxy.close()


def test_client_a_body_that_reflects_the_key_is_redacted(runner, monkeypatch, tmp_path: Path):
    proxy = FaultyProxy(reflect_headers=True)
    try:
        monkeypatch.setenv("LABEL_STUDIO_URL", proxy.url)
        monkeypatch.setenv("LABEL_STUDIO_API_KEY", "reflected-key-98765")
        for args in (["ls", "status", "1"], ["ls", "pull", "1", "-o", tmp_path / "e.json"]):
            r = run(runner, *args)
            assert r.exit_code == 2, r.output
            assert "answered HTTP 500" in r.output
            assert "reflected-key-98765" not in r.output
        assert not (tmp_path / "e.json").exists()
    finally:
        proxy.close()


def test_client_slow_and_silent_servers(tmp_path: Path):
    slow = FaultyProxy(trickle=0.05)
    try:
        with pytest.raises(AnnotError) as err:
            pull_export(Server(slow.url, "key-123456", timeout=5, deadline=1), 1, tmp_path / "e.json")
        # the first request of a command is the key's check (the deadline covers it too)
        assert (
            err.value.message
            == f"connecting (checking the API key): {slow.url} did not finish within the deadline of 1 s"
        )
        assert err.value.hint == "The server or the network is slow: retry later, or raise --deadline."
    finally:
        slow.close()
    silent = FaultyProxy(silent=True)
    try:
        with pytest.raises(AnnotError) as err:
            pull_export(Server(silent.url, "key-123456", timeout=1, deadline=5), 1, tmp_path / "e.json")
        assert err.value.message == f"connecting (checking the API key): {silent.url} did not answer within 1 s"
        assert err.value.hint == "The server is slow or stuck: retry later, or raise --timeout."
    finally:
        silent.close()
    assert not (tmp_path / "e.json").exists()


def test_client_the_deadline_bounds_a_server_that_never_sends_its_headers(tmp_path: Path):
    """`--deadline` bounds the whole pull, also while the server is silent: the per-request timeout (60 s here)
    never outlasts it."""
    import time

    silent = FaultyProxy(silent=True)
    started = time.monotonic()
    try:
        with pytest.raises(AnnotError) as err:
            pull_export(Server(silent.url, "key-123456", timeout=60, deadline=2), 1, tmp_path / "e.json")
    finally:
        silent.close()
    assert time.monotonic() - started < 10  # not 60 s, nor 42 s of retries
    assert (
        err.value.message
        == f"connecting (checking the API key): {silent.url} did not finish within the deadline of 2 s"
    )


def test_client_an_api_key_with_a_line_break_is_refused_up_front():
    with pytest.raises(AnnotError) as err:
        check_server("http://127.0.0.1:9", "good-key-123456\n")
    assert "was it pasted with a newline?" in err.value.problems[0]


def test_client_connection_refused(tmp_path: Path):
    url = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(AnnotError) as err:
        pull_export(Server(url, "key-123456"), 1, tmp_path / "e.json")
    assert err.value.message == f"connecting (checking the API key): cannot reach {url} (connection refused)"
    assert err.value.hint.startswith("Is the server running? Check LABEL_STUDIO_URL")


def test_client_preannotations_are_accepted_as_predictions(runner, ls_env, tmp_path: Path, schema):
    """Tasks pre-annotated by `annot export --predictions` import as Label Studio predictions, relations included."""
    from label_studio_sdk.label_interface import LabelInterface

    (tmp_path / "gold.jsonl").write_text(
        (ROOT / "gold" / "news" / "documents.jsonl").read_text(encoding="utf-8").splitlines()[0] + "\n",
        encoding="utf-8",
    )
    r = run(
        runner,
        "export",
        tmp_path / "gold.jsonl",
        "--predictions",
        tmp_path / "gold.jsonl",
        "--model-version",
        "oracle-1",
        "-o",
        tmp_path / "t.json",
    )
    assert r.exit_code == 0, r.output
    tasks = json.loads((tmp_path / "t.json").read_text(encoding="utf-8"))
    li = LabelInterface((ROOT / "configs" / "labeling_config.xml").read_text(encoding="utf-8"))
    regions = [x for x in tasks[0]["predictions"][0]["result"] if x["type"] == "labels"]
    assert li.validate_prediction({"result": regions}, return_errors=True) == []
    r = run(runner, "ls", "push", tmp_path / "t.json", "--title", "preannotated-oracle")
    assert r.exit_code == 0, r.output
    client = _client(ls_env["LABEL_STUDIO_URL"], ls_env["LABEL_STUDIO_API_KEY"])
    (task,) = list(client.tasks.list(project=_pid(r.output)))
    preds = list(client.predictions.list(task=task.id))
    assert len(preds) == 1 and preds[0].model_version == "oracle-1"
    kinds = [x["type"] for x in preds[0].result]
    doc = read_documents(tmp_path / "gold.jsonl")[0]
    assert kinds.count("labels") == len(doc.entities) + len(doc.events)
    assert kinds.count("relation") == sum(len(e.arguments) for e in doc.events)


def test_client_two_pushes_at_once_make_one_project_with_each_task_once(ls_env, tmp_path: Path, schema):
    """Four `annot ls push` of the same file and title at the same time: one project, every task once."""
    import subprocess
    import sys

    path = tmp_path / "t.json"
    path.write_text(json.dumps(_tasks("NATO met.", "KFOR left.", "EU spoke.")), encoding="utf-8")
    annot = Path(sys.executable).parent / "annot"
    env = {**os.environ, **ls_env}
    procs = [
        subprocess.Popen([str(annot), "ls", "push", str(path), "--title", "at-once"], env=env, cwd=ROOT,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        for _ in range(4)
    ]  # fmt: skip
    outs = [p.communicate(timeout=300)[0] for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0, 0], outs
    client = _client(ls_env["LABEL_STUDIO_URL"], ls_env["LABEL_STUDIO_API_KEY"])
    same = [p for p in client.projects.list() if p.title == "at-once"]
    assert len(same) == 1
    assert len(list(client.tasks.list(project=same[0].id))) == 3


def test_client_a_project_made_twice_elsewhere_is_merged(ls_env, schema, monkeypatch):
    """Another machine made a project with the same title between our look and our create: ours (empty) is
    deleted and the push fills the first one."""
    from annot.labelstudio import client as client_module

    client = _client(ls_env["LABEL_STUDIO_URL"], ls_env["LABEL_STUDIO_API_KEY"])
    real_create = client_module._create_project

    def create_after_another(session, title, schema, settings, review=False):  # type: ignore[no-untyped-def]
        client.projects.create(title=title, label_config=labeling_config(schema))  # the other machine's
        return real_create(session, title, schema, settings, review)

    monkeypatch.setattr(client_module, "_create_project", create_after_another)
    r = push_tasks(server_from_env(), _tasks("A met B."), schema, title="made-twice")
    same = [p for p in client.projects.list() if p.title == "made-twice"]
    assert len(same) == 1 and r.project.id == same[0].id and not r.created
    assert len(list(client.tasks.list(project=same[0].id))) == 1


def test_cli_ls_projects_and_an_unknown_project_names_it(runner, ls_env, schema):
    first = push_tasks(server_from_env(), _tasks("NATO met."), schema, title="listed")
    r = run(runner, "ls", "projects")
    assert r.exit_code == 0 and f"{first.project.id:>6}  listed  (1 task(s)" in r.output, r.output
    r = run(runner, "ls", "status", 987654)
    assert r.exit_code == 2 and "not found" in r.output and "annot ls projects lists them" in r.output, r.output


def test_client_nested_events_go_to_label_studio_and_come_back(runner, ls_env, tmp_path: Path):
    """A schema whose events fill roles of other events: the pre-annotated nested event goes to a real server as
    a relation between two event words, an annotator accepts it, and pull and `annot import --schema` give the
    event back, filling its role."""
    from annot.documents import Argument, Document, Entity, Event
    from annot.labelstudio.importer import documents_from_export
    from annot.schema import load_schema

    toml = (ROOT / "configs" / "schema.toml").read_text(encoding="utf-8")
    at = toml.index('[events."Conflict.Attack"]')
    (tmp_path / "schema.toml").write_text(toml[:at] + 'roles.Cause = ["Conflict.Attack"]\n\n' + toml[at:], "utf-8")
    schema = load_schema(tmp_path / "schema.toml")
    text = "The attack led NATO to send troops."
    pred = Document(
        "doc-0",
        text,
        (Entity(15, 19, "ORG", "T1"),),
        (
            Event("E1", "Conflict.Attack", 4, 10),
            Event("E2", "Movement.Deploy", 23, 27, (Argument("Agent", "T1"), Argument("Cause", "", None, "E1"))),
        ),
    )
    tasks = make_tasks([Document("doc-0", text)], [pred], "oracle")
    r = push_tasks(server_from_env(), tasks, schema, title="nested events")
    client = _client(ls_env["LABEL_STUDIO_URL"], ls_env["LABEL_STUDIO_API_KEY"])
    (task,) = list(client.tasks.list(project=r.project.id))
    (stored,) = list(client.predictions.list(task=task.id))
    assert [x["labels"] for x in stored.result if x["type"] == "relation"] == [["Agent"], ["Cause"]]
    client.annotations.create(id=task.id, result=stored.result)  # accepted as suggested
    pull_export(server_from_env(), r.project.id, tmp_path / "e.json")
    (d,), _ = documents_from_export(json.loads((tmp_path / "e.json").read_text(encoding="utf-8")), schema)
    deploy = next(ev for ev in d.events if ev.type == "Movement.Deploy")
    attack = next(ev for ev in d.events if ev.type == "Conflict.Attack")
    assert sorted(a.role for a in deploy.arguments) == ["Agent", "Cause"]
    assert next(a for a in deploy.arguments if a.role == "Cause").event == attack.id
    r2 = run(runner, "import", tmp_path / "e.json", "--schema", tmp_path / "schema.toml", "-o", tmp_path / "g.jsonl")
    assert r2.exit_code == 0, r2.output
    assert "1 entity mentions, 2 events, 2 arguments" in r2.output
    # the project's own schema has no such role: the same export is refused, the relation named
    r3 = run(runner, "import", tmp_path / "e.json", "-o", tmp_path / "g2.jsonl")
    assert r3.exit_code == 2 and "a relation must link an event word" in r3.output
