from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from annot.errors import AnnotError
from annot.labelstudio.authoring import author_export, check_markup

from support import DATA, ROOT

HEAD = "---\nid: t-1\nstory: s\n---\n"


def write(tmp_path: Path, body: str, head: str = HEAD) -> Path:
    p = tmp_path / "t-1.ann.txt"
    p.write_text(head + body + "\n", encoding="utf-8")
    return p


def test_authoring_markup_becomes_a_label_studio_export(tmp_path: Path, schema):
    p = write(
        tmp_path,
        "[[NATO|ORG|T1]] is [[sending|Movement.Deploy|E1|Agent=T1 Destination=T2]] troops to [[Kosovo|GPE|T2]].",
    )
    (task,) = author_export([p], schema)
    assert task["data"]["text"] == "NATO is sending troops to Kosovo."
    assert task["data"]["doc_id"] == "t-1" and task["data"]["meta"] == {"story": "s"}
    regions = [r for r in task["annotations"][0]["result"] if r["type"] == "labels"]
    assert [(r["value"]["start"], r["value"]["end"], r["value"]["labels"][0]) for r in regions] == [
        (0, 4, "ORG"),
        (8, 15, "Movement.Deploy"),
        (26, 32, "GPE"),
    ]
    assert check_markup([p], schema) == "1 document(s) OK: 2 entity mentions, 1 events, 2 arguments"


@pytest.mark.parametrize(
    "body, head, expected",
    [
        ("[[NATO|ORGX]]", HEAD, "t-1.ann.txt:5: 'ORGX' is neither an entity type"),
        (
            "[[sending|Movement.Deploy|E1|Agent=T9]]",
            HEAD,
            "t-1.ann.txt:5: argument 'Agent=T9' of E1: no mention has id 'T9'",
        ),
        ("[[NATO|ORG|T1]] [[x|ORG|T1]]", HEAD, "t-1.ann.txt:5: id T1 is used twice"),
        ("[[NATO |ORG]]", HEAD, "t-1.ann.txt:5: mark [[NATO |ORG]] must be [[surface|LABEL]]"),
        ("[[NATO|ORG]] and [[KFOR", HEAD, "t-1.ann.txt: unbalanced '[['"),
        ("x", "---\nstory: s\n---\n", "t-1.ann.txt: front matter 'id' must be lowercase letters"),
        ("x", "id: t\n", "t-1.ann.txt:1: the file must start with front matter"),
        (
            "[[NATO|ORG|T1]] [[sent|Movement.Deploy|E1|Time=T1]]",
            HEAD,
            "t-1.ann.txt: relation Movement.Deploy “sent” at 5-9 -> ORG “NATO” at 0-4 (result[2]): "
            "a ORG cannot fill role 'Time' of Movement.Deploy (allowed: DATE). Pick an allowed role",
        ),
    ],
)
def test_authoring_errors_name_file_and_line(tmp_path: Path, schema, body, head, expected):
    p = write(tmp_path, body, head)
    with pytest.raises(AnnotError) as err:
        check_markup([p], schema)
    assert any(expected in x for x in err.value.problems), err.value.problems


def test_authoring_checker_runs_with_the_standard_library_only(tmp_path: Path):
    p = write(tmp_path, "[[NATO|ORG]] met.")
    r = subprocess.run(
        [sys.executable, "-S", "-m", "annot.labelstudio.authoring", "--check", str(p)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert r.returncode == 0, r.stderr
    assert "1 document(s) OK" in r.stdout


def test_authoring_seed_source_reproduces_the_seed_article(schema):
    src = ROOT / "gold" / "news" / "sources" / "kfor-reinforcements-2023-06.ann.txt"
    (task,) = author_export([src], schema)
    assert task["data"]["text"] == (DATA / "seed_article.txt").read_text(encoding="utf-8")
