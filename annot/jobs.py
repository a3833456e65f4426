"""Whole jobs made of the stages: evaluate files, evaluate the configured systems on the bundled gold."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .config import EvalConfig, EvalSettings, SystemConfig
from .documents import Document, read_documents, write_documents
from .errors import AnnotError
from .evaluate import evaluate
from .report import build_report, write_report
from .schema import load_schema


def evaluate_files(
    gold: Path, pred: Path, out_dir: Path, schema_path: Path, settings: EvalSettings
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
    return report, write_report(report, out_dir)


def select_split(docs: list[Document], gold: Path, split: str | None) -> list[Document]:
    """The documents of `split` as declared in the corpus' splits.json (all of them when split is None)."""
    if split is None:
        return docs
    import json

    splits_file = gold.parent / "splits.json"
    try:
        splits = json.loads(splits_file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise AnnotError(
            f"{splits_file}: no splits file, but the config asks for split {split!r}",
            "Remove `split` from the config or create the splits (annot corpus build).",
        ) from None
    ids = splits.get("splits", {}).get(split)
    if not isinstance(ids, list):
        raise AnnotError(f"{splits_file}: no split named {split!r} (have: {', '.join(splits.get('splits', {}))})")
    by_id = {d.id: d for d in docs}
    missing = [i for i in ids if i not in by_id]
    if missing:
        raise AnnotError(
            f"{splits_file}: split {split!r} names documents not in {gold}: {', '.join(missing)}",
            "Run `annot corpus verify`.",
        )
    return [by_id[i] for i in ids]


def system_predictions(system: SystemConfig, gold_docs: list[Document], schema_path: Path) -> list[Document]:
    """The predictions of a configured system on the gold documents' texts."""
    if system.kind == "file":
        assert system.path is not None
        return read_documents(system.path)
    from .predict import load_label_map, load_pipeline, predict_documents

    assert system.label_map is not None
    lmap = load_label_map(system.label_map, load_schema(schema_path))
    nlp = load_pipeline(system.model)
    return predict_documents(nlp, gold_docs, lmap, system.name)


def evaluate_configured(cfg: EvalConfig) -> dict[str, tuple[dict[str, Any], list[Path]]]:
    """`annot evaluate` with no files: every configured system on the bundled gold (its split)."""
    schema = load_schema(cfg.schema)
    gold_docs = select_split(read_documents(cfg.gold), cfg.gold, cfg.split)
    results = {}
    for system in cfg.systems:
        preds = system_predictions(system, gold_docs, cfg.schema)
        info = {"name": system.name, "kind": system.kind}
        if system.model:
            info["model"] = system.model
            versions = sorted({str(p.meta.get("model")) for p in preds if p.meta.get("model")})
            if versions:
                info["version"] = ", ".join(versions)
        gold_label = _rel(cfg.gold) + (f" (split {cfg.split})" if cfg.split else "")
        ev = evaluate(gold_docs, preds, schema, settings=cfg.settings, gold_path=_rel(cfg.gold), system=info)
        report = build_report(ev)
        report["meta"]["gold"]["split"] = cfg.split
        report["meta"]["gold"]["label"] = gold_label
        out_dir = cfg.output / system.name
        if system.kind == "spacy":
            write_documents(out_dir / "predictions.jsonl", preds)
        results[system.name] = (report, write_report(report, out_dir))
    return results


def _rel(path: Path) -> str:
    """`path` relative to the working directory when below it, so reports do not carry machine paths."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)
