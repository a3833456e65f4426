"""The evaluation config (configs/evaluation.toml): the gold, the systems to score, the settings and the gate.

The file is validated against the models below: unknown keys and wrong types
are refused, every problem reported at once with its key. Relative paths in it
resolve against the config file's folder (since annot 0.3). A config written
for annot 0.2, whose paths resolve only against the folder above its own (the
project root of `configs/evaluation.toml`), is read that way with a note saying
how to update it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from ..comparison.gate import GateSettings
from ..corpus.ledger import Policy
from ..documents import ID_PATTERN
from ..files import read_toml
from ..project import DEFAULT_SEED, EVALUATION_CONFIG
from ..scoring.counts import ZeroDivision
from ..scoring.scorer import ScoringSettings
from ..validation import Strict, validate

SystemKind = Literal["spacy", "file"]


class _SpacySystem(Strict):
    kind: Literal["spacy"]
    model: str = Field(min_length=1)
    label_map: str = Field(min_length=1)
    description: str = ""
    events: str | None = None
    n_process: int = Field(1, ge=1)
    batch_size: int = Field(32, ge=1)


class _FileSystem(Strict):
    kind: Literal["file"]
    path: str = Field(min_length=1)
    description: str = ""


class _Settings(Strict):
    bootstrap_samples: int = Field(1000, ge=0)
    seed: int = DEFAULT_SEED
    confidence: float = Field(0.95, gt=0, lt=1)
    zero_division: Literal["null", "zero"] = "null"
    max_errors: int = Field(1000, ge=0)


class _Gate(Strict):
    thresholds: dict[str, Annotated[float, Field(ge=0, le=1)]] = Field(default_factory=dict)
    baseline: str | None = None
    max_drop: float = Field(0.0, ge=0, le=1)
    min_support: int = Field(0, ge=0)
    significant_only: bool = False
    alpha: float = Field(0.05, gt=0, lt=1)


class _HeldOut(Strict):
    policy: Literal["record", "warn", "refuse"] = "warn"


class _EvaluationFile(Strict):
    schema_path: str = Field("configs/schema.toml", alias="schema", min_length=1)
    gold: str = Field(min_length=1)
    split: str | None = None
    group_by: str | None = None
    output: str = Field("reports", min_length=1)
    settings: _Settings = Field(default_factory=lambda: _Settings())
    gate: _Gate = Field(default_factory=lambda: _Gate())
    held_out: _HeldOut = Field(default_factory=lambda: _HeldOut())
    systems: dict[
        Annotated[str, StringConstraints(pattern=ID_PATTERN)],
        Annotated[_SpacySystem | _FileSystem, Field(discriminator="kind")],
    ] = Field(min_length=1)


@dataclass(frozen=True, kw_only=True)
class SystemConfig:
    """A system to score: a spaCy pipeline with its label map (and event rules), or a prediction file."""

    name: str
    kind: SystemKind
    model: str = ""
    label_map: Path | None = None
    path: Path | None = None
    description: str = ""
    events: Path | None = None
    n_process: int = 1
    batch_size: int = 32


@dataclass(frozen=True, kw_only=True)
class EvalConfig:
    """configs/evaluation.toml, checked; paths resolved against the project root."""

    schema: Path
    gold: Path
    output: Path
    systems: list[SystemConfig]
    settings: ScoringSettings = field(default_factory=ScoringSettings)
    split: str | None = None
    gate: GateSettings = field(default_factory=GateSettings)
    root: Path = Path(".")  # what relative paths resolve against: the config's folder
    group_by: str | None = None
    notes: tuple[str, ...] = ()  # what a reader of the config should change (a 0.2 layout of paths)
    held_out_policy: Policy = Policy.WARN  # [held_out] policy: record, warn or refuse (corpus/ledger.py)


def _at(root: Path, path: str) -> Path:
    """`path` resolved against `root` (an absolute path as is), without '..' parts."""
    return Path(os.path.normpath(root / path))


def _model_ref(model: str, root: Path) -> str:
    """A pipeline package name as is; a path (it has a '/') relative to `root`."""
    return str(_at(root, model)) if "/" in model and not Path(model).is_absolute() else model


def _inputs(cfg: _EvaluationFile) -> list[str]:
    """The relative paths of files the config reads (not its output, not models that may be trained later)."""
    paths = [cfg.schema_path, cfg.gold]
    for s in cfg.systems.values():
        if isinstance(s, _SpacySystem):
            paths += [s.label_map] + ([s.events] if s.events else [])
        else:
            paths.append(s.path)
    return [p for p in paths if not Path(p).is_absolute()]


def _root(path: Path, cfg: _EvaluationFile) -> tuple[Path, tuple[str, ...]]:
    """What the config's relative paths resolve against: its folder; the folder above for a config in 0.2's layout
    (every input missing from its folder is found from there), with a note."""
    here = path.resolve().parent
    missing = [p for p in _inputs(cfg) if not (here / p).exists()]
    if not missing or not all((here.parent / p).exists() for p in missing):
        return here, ()
    note = (
        f"{path}: its paths ({', '.join(missing[:3])}{', ...' if len(missing) > 3 else ''}) are found only from "
        f"the folder above it ({here.parent}), as annot 0.2 resolved them; since annot 0.3 paths in a config "
        f"resolve against the config's own folder. Read as 0.2 did for now: write them relative to {here} "
        f"(e.g. {missing[0]!r} becomes {os.path.relpath(here.parent / missing[0], here)!r})."
    )
    return here.parent, (note,)


def load_eval_config(path: Path = EVALUATION_CONFIG) -> EvalConfig:
    """Read and check the evaluation config; relative paths resolve against the config file's folder."""
    path = Path(path)
    data = read_toml(
        path, "evaluation config", "Run from the project root, or pass --config, or give --gold and --pred."
    )
    cfg = validate(
        _EvaluationFile,
        data,
        str(path),
        "evaluation config",
        "Fix the keys named above (docs/reference/configuration.md).",
    )
    root, notes = _root(path, cfg)
    systems = []
    for name, s in cfg.systems.items():
        if isinstance(s, _SpacySystem):
            systems.append(
                SystemConfig(
                    name=name,
                    kind="spacy",
                    model=_model_ref(s.model, root),
                    label_map=_at(root, s.label_map),
                    description=s.description,
                    events=None if s.events is None else _at(root, s.events),
                    n_process=s.n_process,
                    batch_size=s.batch_size,
                )
            )
        else:
            systems.append(SystemConfig(name=name, kind="file", path=_at(root, s.path), description=s.description))
    st, g = cfg.settings, cfg.gate
    return EvalConfig(
        schema=_at(root, cfg.schema_path),
        gold=_at(root, cfg.gold),
        output=_at(root, cfg.output),
        systems=systems,
        settings=ScoringSettings(
            bootstrap_samples=st.bootstrap_samples,
            seed=st.seed,
            confidence=st.confidence,
            zero_division=ZeroDivision(st.zero_division),
            max_errors=st.max_errors,
        ),
        split=cfg.split,
        held_out_policy=Policy(cfg.held_out.policy),
        gate=GateSettings(
            thresholds=dict(g.thresholds),
            baseline=g.baseline,
            max_drop=g.max_drop,
            min_support=g.min_support,
            significant_only=g.significant_only,
            alpha=g.alpha,
        ),
        root=root,
        group_by=cfg.group_by,
        notes=notes,
    )
