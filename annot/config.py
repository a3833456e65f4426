"""The evaluation config (configs/evaluation.toml): gold, systems to score, settings."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from .errors import AnnotError, raise_if_problems

DEFAULT_CONFIG = Path("configs/evaluation.toml")
SystemKind = Literal["spacy", "file"]


@dataclass(frozen=True)
class SystemConfig:
    """A system to score: a spaCy pipeline with its label map, or a prediction file."""

    name: str
    kind: SystemKind
    model: str = ""
    label_map: Path | None = None
    path: Path | None = None
    description: str = ""
    events: Path | None = None  # event extractor rules (configs/event_extractor.toml) added to a spaCy system
    n_process: int = 1
    batch_size: int = 32


@dataclass(frozen=True)
class EvalSettings:
    bootstrap_samples: int = 1000
    seed: int = 13
    confidence: float = 0.95
    zero_division: Literal["null", "zero"] = "null"


@dataclass(frozen=True)
class GateSettings:
    """The [gate] table; `baseline` may contain "{system}" for one baseline per system."""

    thresholds: dict[str, float] = field(default_factory=dict)
    baseline: str | None = None
    max_drop: float = 0.0
    min_support: int = 0
    significant_only: bool = False
    alpha: float = 0.05


@dataclass(frozen=True)
class EvalConfig:
    schema: Path
    gold: Path
    output: Path
    systems: list[SystemConfig]
    settings: EvalSettings = field(default_factory=EvalSettings)
    split: str | None = None
    gate: GateSettings = field(default_factory=GateSettings)
    root: Path = Path(".")


def read_toml(path: Path, what: str, hint: str) -> dict[str, Any]:
    """A TOML file as a dict; a missing file or a syntax error becomes an AnnotError naming `what`."""
    path = Path(path)
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise AnnotError(f"{path}: {what} not found", hint) from None
    except tomllib.TOMLDecodeError as exc:
        raise AnnotError(f"{path}: not valid TOML: {exc}", "Fix the syntax at the position named.") from None
    except UnicodeDecodeError:
        raise AnnotError(f"{path}: not UTF-8 text", "Save the file as UTF-8.") from None


def _model_ref(model: str, root: Path) -> str:
    """A pipeline package name as is; a path (it has a '/') relative to the project root."""
    return str(root / model) if "/" in model and not Path(model).is_absolute() else model


def load_eval_config(path: Path = DEFAULT_CONFIG) -> EvalConfig:
    """Read and check the evaluation config; paths are relative to the project root (the config's parent's parent)."""
    path = Path(path)
    data = read_toml(
        path, "evaluation config", "Run from the project root, or pass --config, or give --gold and --pred."
    )
    root = path.resolve().parent.parent
    problems: list[str] = []
    known = {
        "": {"schema", "gold", "split", "output", "settings", "systems", "gate"},
        "settings": {"bootstrap_samples", "seed", "confidence", "zero_division"},
        "gate": {"thresholds", "baseline", "max_drop", "min_support", "significant_only", "alpha"},
        "system": {"kind", "model", "label_map", "path", "description", "events", "n_process", "batch_size"},
    }

    def unknown(table: Any, kind: str, where: str) -> None:
        if isinstance(table, dict):
            for key in sorted(set(table) - known[kind]):
                problems.append(
                    f"{path}: unknown key {where + '.' if where else ''}{key} (known: {', '.join(sorted(known[kind]))})"
                )

    unknown(data, "", "")
    unknown(data.get("settings"), "settings", "settings")
    unknown(data.get("gate"), "gate", "gate")
    for name, table in (data.get("systems") or {}).items() if isinstance(data.get("systems"), dict) else []:
        unknown(table, "system", f"systems.{name}")

    def p(value: Any, key: str) -> Path:
        if not isinstance(value, str) or not value:
            problems.append(f"{path}: '{key}' must be a path")
            return Path()
        return root / value

    systems = []
    raw = data.get("systems", {})
    if not isinstance(raw, dict) or not raw:
        problems.append(f"{path}: [systems.<name>] must define at least one system")
        raw = {}
    for name, s in raw.items():
        w = f"{path}: systems.{name}"
        if not isinstance(s, dict):
            problems.append(f"{w}: must be a table")
            continue
        kind = s.get("kind")
        if kind == "spacy":
            if not isinstance(s.get("model"), str):
                problems.append(f"{w}: 'model' must name an installed spaCy pipeline or a path")
            n_process, batch_size = s.get("n_process", 1), s.get("batch_size", 32)
            if not (isinstance(n_process, int) and n_process >= 1 and isinstance(batch_size, int) and batch_size >= 1):
                problems.append(f"{w}: n_process and batch_size must be whole numbers >= 1")
                n_process, batch_size = 1, 32
            systems.append(
                SystemConfig(
                    name,
                    "spacy",
                    model=_model_ref(str(s.get("model")), root),
                    label_map=p(s.get("label_map"), f"systems.{name}.label_map"),
                    description=str(s.get("description", "")),
                    events=p(s["events"], f"systems.{name}.events") if "events" in s else None,
                    n_process=n_process,
                    batch_size=batch_size,
                )
            )
        elif kind == "file":
            systems.append(
                SystemConfig(
                    name,
                    "file",
                    path=p(s.get("path"), f"systems.{name}.path"),
                    description=str(s.get("description", "")),
                )
            )
        else:
            problems.append(f'{w}: \'kind\' must be "spacy" or "file", got {kind!r}')
    st = data.get("settings", {})
    settings = EvalSettings(
        bootstrap_samples=int(st.get("bootstrap_samples", 1000)),
        seed=int(st.get("seed", 13)),
        confidence=float(st.get("confidence", 0.95)),
        zero_division=st.get("zero_division", "null"),
    )
    if settings.zero_division not in ("null", "zero"):
        problems.append(f'{path}: settings.zero_division must be "null" or "zero"')
    g = data.get("gate", {})
    gate = GateSettings()
    if not isinstance(g, dict):
        problems.append(f"{path}: [gate] must be a table")
    elif g:
        thresholds = g.get("thresholds", {})
        if not isinstance(thresholds, dict) or not all(
            isinstance(v, (int, float)) and 0 <= v <= 1 for v in thresholds.values()
        ):
            problems.append(f"{path}: gate.thresholds must map metric paths to numbers between 0 and 1")
            thresholds = {}
        gate = GateSettings(
            thresholds={str(k): float(v) for k, v in thresholds.items()},
            baseline=g.get("baseline"),
            max_drop=float(g.get("max_drop", 0.0)),
            min_support=int(g.get("min_support", 0)),
            significant_only=bool(g.get("significant_only", False)),
            alpha=float(g.get("alpha", 0.05)),
        )
    split = data.get("split")
    if split is not None and not isinstance(split, str):
        problems.append(f"{path}: 'split' must be a split name")
    raise_if_problems(problems, f"{path}: invalid evaluation config")
    return EvalConfig(
        schema=p(data.get("schema", "configs/schema.toml"), "schema"),
        gold=p(data.get("gold"), "gold"),
        output=p(data.get("output", "reports"), "output"),
        systems=systems,
        settings=settings,
        split=split,
        gate=gate,
        root=root,
    )
