"""Shared fixtures: the project's schema, small documents, a real Label Studio server, the CLI runner."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings
from typer.testing import CliRunner

from annot.schema import Schema, load_schema

from support import DATA, ROOT

# Every property test draws the same examples on every run and every machine: hypothesis derives its seed from
# the test (derandomize), and no example database carries failures from one run into the next. A case that once
# failed is pinned in its test with @example, so the suite passes or fails the same way each time.
hypothesis_settings.register_profile("annot", derandomize=True, database=None, deadline=None, print_blob=True)
hypothesis_settings.load_profile("annot")


def _no_local_constants() -> None:
    """Hypothesis also draws literals found in the project's modules loaded so far ("local constants"), so a
    derandomized test draws other examples depending on which tests ran (imported modules) before it: a test
    passed alone and failed in its folder. Drawing none of them makes every test's examples depend on the test
    alone. (An internal of hypothesis, pinned in constraints.txt; if it moves, this says so.)"""
    from hypothesis.internal.conjecture import providers

    if not hasattr(providers, "_get_local_constants"):
        raise RuntimeError("hypothesis changed: find how to keep local constants out of generation")
    empty = providers.Constants()
    providers._get_local_constants = lambda: empty


_no_local_constants()


@pytest.fixture(scope="session", autouse=True)
def _bundled_ledger_untouched() -> Iterator[None]:
    """The tests score the bundled corpus's held-out split with throwaway predictions (the gold against itself,
    perturbed copies): they are not scorings of record, so the corpus's ledger is put back as it was after the
    run (docs/guides/held-out.md)."""
    from annot.corpus.ledger import LEDGER

    path = ROOT / "gold" / "news" / LEDGER
    before = path.read_bytes() if path.exists() else None
    try:
        yield
    finally:
        if before is None:
            path.unlink(missing_ok=True)
        elif path.exists():
            # Only the entries this run added are removed (never a whole earlier state written back): a second test
            # session running at once on this checkout then cannot put its own entries back after this one ends.
            kept = set(before.splitlines())
            now = path.read_bytes().splitlines()
            if any(line not in kept for line in now):
                path.write_bytes(b"".join(line + b"\n" for line in now if line in kept))
        else:
            path.write_bytes(before)


def _bundled_files() -> dict[str, bytes]:
    """The bundled data a user keeps (gold/, reports/, configs/), file by file."""
    return {
        str(p.relative_to(ROOT)): p.read_bytes()
        for folder in ("gold", "reports", "configs")
        for p in sorted((ROOT / folder).rglob("*"))
        if p.is_file() and p.name != "ledger.jsonl" and not p.name.endswith(".annot.lock")  # locks are git-ignored
    }


@pytest.fixture(scope="session", autouse=True)
def _bundled_data_untouched() -> Iterator[None]:
    """No test writes into the project's own gold/, reports/ or configs/ (a command run without -o writes under
    reports/): a test that does fails the run, naming the files, and they are put back."""
    before = _bundled_files()
    yield
    after = _bundled_files()
    changed = sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
    for name in changed:
        if name in before:
            (ROOT / name).write_bytes(before[name])
        else:
            (ROOT / name).unlink()
    if changed:
        pytest.fail(f"tests changed the bundled project files (put back): {', '.join(changed[:10])}")


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
def trained_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A NER trained on the dev split of the bundled corpus (about a minute), in a temporary folder.

    The model the main job trains (models/ner-dev) is reused when present, read only.
    """
    from annot.systems.train import TrainOptions, train_command

    model = ROOT / "models" / "ner-dev" / "model-best"
    if model.exists():
        return model
    models = tmp_path_factory.mktemp("models")
    train_command("ner-dev", TrainOptions(gold=ROOT / "gold" / "news" / "documents.jsonl"), models=models)
    return models / "ner-dev" / "model-best"


@pytest.fixture
def seed_text() -> str:
    return (DATA / "seed_article.txt").read_text(encoding="utf-8")


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


def _eval_config(folder: Path, trained_model: Path) -> Path:
    import re

    text = (ROOT / "configs" / "evaluation.toml").read_text(encoding="utf-8")
    text = text.replace('"../models/ner-dev/model-best"', f'"{trained_model}"')
    text = re.sub(  # the bundled config's paths, relative to configs/, made absolute
        r'^((?:schema|gold|label_map|events|baseline) = )"([^"/][^"]*)"',
        lambda m: f'{m.group(1)}"{(ROOT / "configs" / m.group(2)).resolve()}"',
        text,
        flags=re.M,
    )
    path = folder / "configs" / "evaluation.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@dataclass(frozen=True)
class ConfiguredRun:
    """`annot evaluate --config ... -o reports --bootstrap 20`: the three configured systems, once per test run."""

    exit_code: int
    output: str
    reports: Path
    config: Path


@pytest.fixture(scope="session")
def configured_run(tmp_path_factory: pytest.TempPathFactory, trained_model: Path) -> ConfiguredRun:
    """The whole configured evaluation (three systems, two of them predicting), run once and shared by the tests
    that read it: it is the slowest thing the suite does."""
    from support import run

    folder = tmp_path_factory.mktemp("configured")
    config = _eval_config(folder, trained_model)
    r = run(CliRunner(), "evaluate", "--config", config, "-o", folder / "reports", "--bootstrap", "20")
    return ConfiguredRun(r.exit_code, r.output, folder / "reports", config)
