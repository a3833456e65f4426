"""Whole jobs made of the stages: evaluate files, evaluate the configured systems on the bundled gold."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .config import EvalConfig, EvalSettings, SystemConfig
from .documents import Document, display_path, read_documents, write_documents
from .evaluate import evaluate
from .gate import GateConfig, run_gate
from .report import build_report, write_report
from .schema import load_schema


def evaluate_files(
    gold: Path, pred: Path, out_dir: Path, schema_path: Path, settings: EvalSettings, gate: GateConfig | None = None
) -> tuple[dict[str, Any], list[Path]]:
    """`annot evaluate --gold --pred -o`: score a prediction file, write the report."""
    schema = load_schema(schema_path)
    gold_docs = read_documents(gold)
    pred_docs = read_documents(pred)
    systems = sorted({str(p.meta.get("system")) for p in pred_docs if p.meta.get("system")})
    system = {"name": ", ".join(systems) or pred.stem, "predictions": str(pred)}
    models = sorted({str(p.meta.get("model")) for p in pred_docs if p.meta.get("model")})
    if models:
        system["model"] = ", ".join(models)
    report = build_report(evaluate(gold_docs, pred_docs, schema, settings=settings, gold_path=gold, system=system))
    if gate is not None and gate.active:
        report["gate"] = run_gate(report, gate)
    return report, write_report(report, out_dir)


def select_split(docs: list[Document], gold: Path, split: str | None) -> list[Document]:
    """The documents of `split` as declared in the corpus' splits.json (all of them when split is None)."""
    if split is None:
        return docs
    from .corpus import split_documents

    return split_documents(docs, gold.parent / "splits.json", split, gold)


def system_predictions(system: SystemConfig, gold_docs: list[Document], schema_path: Path) -> list[Document]:
    """The predictions of a configured system on the gold documents' texts."""
    if system.kind == "file":
        assert system.path is not None
        return read_documents(system.path)
    from .predict import load_label_map, load_pipeline, predict_documents

    assert system.label_map is not None
    schema = load_schema(schema_path)
    lmap = load_label_map(system.label_map, schema)
    nlp = load_pipeline(system.model)
    if system.events is not None:
        from .extractor import add_event_extractor

        add_event_extractor(nlp, system.events, schema, lmap)
    return predict_documents(nlp, gold_docs, lmap, system.name, system.batch_size, system.n_process)


def gate_for(cfg: EvalConfig, system: str, override: GateConfig | None = None) -> GateConfig | None:
    """The gate of one configured system: the config's [gate], with command-line settings taking precedence."""
    g = cfg.gate
    base = GateConfig(
        thresholds=dict(g.thresholds),
        baseline=cfg.root / g.baseline.format(system=system) if g.baseline else None,
        max_drop=g.max_drop,
        min_support=g.min_support,
        significant_only=g.significant_only,
        alpha=g.alpha,
    )
    if override is not None:
        base = GateConfig(
            thresholds={**base.thresholds, **override.thresholds},
            baseline=override.baseline or base.baseline,
            max_drop=override.max_drop if override.max_drop is not None else base.max_drop,
            min_support=override.min_support if override.min_support is not None else base.min_support,
            significant_only=override.significant_only or base.significant_only,
            alpha=override.alpha if override.alpha is not None else base.alpha,
        )
    return base if base.active else None


def write_comparison(
    results: dict[str, tuple[dict[str, Any], list[Path]]], out_dir: Path
) -> tuple[dict[str, Any], list[Path]]:
    """The configured systems side by side (paired tests against the first), as comparison.json and .md."""
    import json

    from .compare import side_by_side
    from .documents import atomic_write_text
    from .report import comparison_markdown

    table = side_by_side({name: report for name, (report, _) in results.items()})
    paths = [out_dir / "comparison.json", out_dir / "comparison.md"]
    atomic_write_text(paths[0], json.dumps(table, indent=2, sort_keys=True) + "\n")
    atomic_write_text(paths[1], comparison_markdown(table))
    return table, paths


def evaluate_configured(
    cfg: EvalConfig, gate_override: GateConfig | None = None, no_gate: bool = False
) -> dict[str, tuple[dict[str, Any], list[Path]]]:
    """`annot evaluate` with no files: every configured system on the bundled gold (its split)."""
    schema = load_schema(cfg.schema)
    all_gold = read_documents(cfg.gold)
    gold_docs = select_split(all_gold, cfg.gold, cfg.split)
    others = frozenset(d.id for d in all_gold) - {d.id for d in gold_docs}
    results = {}
    for system in cfg.systems:
        preds = system_predictions(system, gold_docs, cfg.schema)
        info = {"name": system.name, "kind": system.kind}
        if system.model:
            info["model"] = display_path(system.model) if "/" in system.model else system.model
            versions = sorted({str(p.meta.get("model")) for p in preds if p.meta.get("model")})
            if versions:
                info["version"] = ", ".join(versions)
        gold_label = display_path(cfg.gold) + (f" (split {cfg.split})" if cfg.split else "")
        ev = evaluate(
            gold_docs,
            preds,
            schema,
            settings=cfg.settings,
            gold_path=display_path(cfg.gold),
            system=info,
            other_gold=others,
        )
        report = build_report(ev)
        report["meta"]["gold"]["split"] = cfg.split
        report["meta"]["gold"]["label"] = gold_label
        gate = None if no_gate else gate_for(cfg, system.name, gate_override)
        if gate is not None:
            report["gate"] = run_gate(report, gate)
        out_dir = cfg.output / system.name
        if system.kind == "spacy":
            write_documents(out_dir / "predictions.jsonl", preds)
        results[system.name] = (report, write_report(report, out_dir))
    return results
