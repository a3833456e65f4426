"""Shared fixtures: the project's schema, small documents, a real Label Studio server, the CLI runner."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from annot.documents import Document, Entity
from annot.schema import Schema, load_schema

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(autouse=True)
def _project_root(monkeypatch: pytest.MonkeyPatch) -> None:
    """Commands resolve configs/ relative to the project root, as a user at the root would."""
    monkeypatch.chdir(ROOT)


@pytest.fixture(scope="session")
def schema() -> Schema:
    return load_schema(ROOT / "configs" / "schema.toml")


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture(scope="session")
def trained_model() -> Path:
    """The trained system of configs/evaluation.toml, trained once (about a minute) when missing."""
    from annot.train import train_command

    model = ROOT / "models" / "ner-dev" / "model-best"
    if not model.exists():
        train_command("ner-dev", ROOT / "gold" / "news" / "documents.jsonl", models=ROOT / "models")
    return model


@pytest.fixture
def seed_text() -> str:
    return (DATA / "seed_article.txt").read_text(encoding="utf-8")


def doc(text: str, *spans: tuple[int, int, str], doc_id: str = "d1") -> Document:
    """A document with entity spans (start, end, label), ids T1..."""
    return Document(doc_id, text, tuple(Entity(s, e, lab, f"T{i}") for i, (s, e, lab) in enumerate(spans, 1)))


# ------------------------------------------------------------- Label Studio


@pytest.fixture(scope="session")
def ls_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A migrated Label Studio data directory (cold start once per session, ~30-45 s)."""
    from lsserver import label_studio_executable, start_server

    if label_studio_executable() is None:
        pytest.fail("label-studio is not installed; the README test command installs it (extra 'server')")
    template = tmp_path_factory.mktemp("ls-template")
    server = start_server(template)
    server.stop()
    yield template


@pytest.fixture(scope="session")
def ls_server(ls_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """One real server for the session, on 127.0.0.1; tests each make their own project."""
    from lsserver import start_from_template

    target = tmp_path_factory.mktemp("ls") / "data"
    server = start_from_template(ls_template, target)
    try:
        yield server
    finally:
        server.stop()
        if os.environ.get("ANNOT_KEEP_LS_DATA") != "1":
            shutil.rmtree(target, ignore_errors=True)


@pytest.fixture
def ls_env(ls_server: object, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    env = {"LABEL_STUDIO_URL": ls_server.url, "LABEL_STUDIO_API_KEY": ls_server.token}  # type: ignore[attr-defined]
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    return env
