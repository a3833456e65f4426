"""The evaluation config (configs/evaluation.toml): the gold, the systems to score, the settings and the gate.

The file is validated against the models below: unknown keys and wrong types
are refused, every problem reported at once with its key.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from ..comparison.gate import GateSettings
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


class _EvaluationFile(Strict):
    schema_path: str = Field("configs/schema.toml", alias="schema", min_length=1)
    gold: str = Field(min_length=1)
    split: str | None = None
    group_by: str | None = None
    output: str = Field("reports", min_length=1)
    settings: _Settings = Field(default_factory=lambda: _Settings())
    gate: _Gate = Field(default_factory=lambda: _Gate())
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
    root: Path = Path(".")
    group_by: str | None = None


def _model_ref(model: str, root: Path) -> str:
    """A pipeline package name as is; a path (it has a '/') relative to the project root."""
    return str(root / model) if "/" in model and not Path(model).is_absolute() else model


def load_eval_config(path: Path = EVALUATION_CONFIG) -> EvalConfig:
    """Read and check the evaluation config; paths are relative to the project root (the config's parent's parent)."""
    path = Path(path)
    data = read_toml(
        path, "evaluation config", "Run from the project root, or pass --config, or give --gold and --pred."
    )
    cfg = validate(
        _EvaluationFile, data, str(path), "evaluation config", "Fix the keys named above (README, 'Configuration')."
    )
    root = path.resolve().parent.parent
    systems = []
    for name, s in cfg.systems.items():
        if isinstance(s, _SpacySystem):
            systems.append(
                SystemConfig(
                    name=name,
                    kind="spacy",
                    model=_model_ref(s.model, root),
                    label_map=root / s.label_map,
                    description=s.description,
                    events=None if s.events is None else root / s.events,
                    n_process=s.n_process,
                    batch_size=s.batch_size,
                )
            )
        else:
            systems.append(SystemConfig(name=name, kind="file", path=root / s.path, description=s.description))
    st, g = cfg.settings, cfg.gate
    return EvalConfig(
        schema=root / cfg.schema_path,
        gold=root / cfg.gold,
        output=root / cfg.output,
        systems=systems,
        settings=ScoringSettings(
            bootstrap_samples=st.bootstrap_samples,
            seed=st.seed,
            confidence=st.confidence,
            zero_division=ZeroDivision(st.zero_division),
            max_errors=st.max_errors,
        ),
        split=cfg.split,
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
    )
