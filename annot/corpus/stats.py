"""Corpus statistics per split: documents, tokens, entities per type, events per type, arguments per role."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from ..documents import Document, read_documents
from .splits import DOCUMENTS, SPLITS


@dataclass(frozen=True)
class Stats:
    """Corpus statistics per split (and 'all')."""

    rows: dict[str, dict[str, int]]  # split -> statistic -> value


def corpus_stats(corpus: Path) -> Stats:
    """Documents, tokens (spaCy's English tokenizer), entities per type, events per type, arguments per role; per split and overall."""
    docs = read_documents(Path(corpus) / DOCUMENTS)
    splits = (
        json.loads((Path(corpus) / SPLITS).read_text(encoding="utf-8")).get("splits", {})
        if (Path(corpus) / SPLITS).exists()
        else {}
    )
    groups: dict[str, list[Document]] = {
        name: [d for d in docs if d.id in set(ids)] for name, ids in sorted(splits.items())
    }
    groups["all"] = docs
    from ..tokens import tokenizer

    n_tokens = {d.id: len(tokenizer()(d.text)) for d in docs}
    rows: dict[str, dict[str, int]] = {}
    for name, ds in groups.items():
        c: Counter[str] = Counter()
        c["documents"] = len(ds)
        c["tokens"] = sum(n_tokens[d.id] for d in ds)
        c["entities"] = sum(len(d.entities) for d in ds)
        c["events"] = sum(len(d.events) for d in ds)
        c["arguments"] = sum(len(ev.arguments) for d in ds for ev in d.events)
        for d in ds:
            for e in d.entities:
                c[f"entity {e.label}"] += 1
            for ev in d.events:
                c[f"event {ev.type}"] += 1
                for a in ev.arguments:
                    c[f"role {a.role}"] += 1
        rows[name] = dict(c)
    return Stats(rows)


def stats_markdown(stats: Stats) -> str:
    """The statistics as a Markdown table, one column per split."""
    cols = list(stats.rows)
    keys: list[str] = []
    for r in stats.rows.values():
        for k in r:
            if k not in keys:
                keys.append(k)
    head = ["documents", "tokens", "entities", "events", "arguments"]
    rest = sorted(k for k in keys if k not in head)
    lines = ["| | " + " | ".join(cols) + " |", "|---|" + "---:|" * len(cols)]
    for k in head + rest:
        lines.append(f"| {k} | " + " | ".join(str(stats.rows[c].get(k, 0)) for c in cols) + " |")
    return "\n".join(lines) + "\n"
