"""A configured system loaded once and kept, to predict texts as they come (the Label Studio ML backend).

What it predicts is what `annot predict` writes (`predict.predict_documents`: the pipeline, the label map, the
event extractor), less what the schema refuses: an entity label or event type outside the schema, a mention
that overlaps another where the schema declares mentions flat, a role the event type does not have or that the
filler's type cannot fill, offsets outside the text. Those items are left out and each is named, so that a
suggestion an annotator sees can always be submitted and imported as it is.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ..documents import Document
from ..labelstudio.backend import Served
from ..schema import Schema, mention_problems
from .labelmap import LabelMap
from .predict import pipeline_version, predict_documents


def admissible(doc: Document, schema: Schema) -> Served:
    """`doc` without what `schema` refuses, with a line for each item left out (an argument whose entity or event
    is left out goes with it, silently: its reason is its filler's).

    >>> from ..documents import Entity
    >>> from ..schema import EntityType
    >>> s = Schema("s", "1", {"GPE": EntityType("GPE", "", "", "", "")}, {})
    >>> served = admissible(Document("d", "Oslo and Rome", (Entity(0, 4, "GPE", "T1"), Entity(9, 13, "CITY", "T2"))), s)
    >>> [e.label for e in served.document.entities], served.refused
    (['GPE'], ("entity label 'CITY' is not in schema s",))
    """
    refused: list[str] = []
    n = len(doc.text)
    ents = []
    for e in doc.entities:
        if not 0 <= e.start < e.end <= n:
            refused.append(f"entity offsets {e.start}-{e.end} outside the text")
        elif e.label not in schema.entities:
            refused.append(f"entity label {e.label!r} is not in schema {schema.name}")
        else:
            ents.append(e)
    overlapping = {eid for eid, _ in mention_problems(replace(doc, entities=tuple(ents)), schema)}
    refused += [
        f"mention {e.label} overlaps another (schema {schema.name} is flat)" for e in ents if e.id in overlapping
    ]
    kept = {e.id: e.label for e in ents if e.id not in overlapping}
    events = []
    for ev in doc.events:
        if not 0 <= ev.start < ev.end <= n:
            refused.append(f"trigger offsets {ev.start}-{ev.end} outside the text")
        elif ev.type not in schema.events:
            refused.append(f"event type {ev.type!r} is not in schema {schema.name}")
        else:
            events.append(ev)
    types = {ev.id: ev.type for ev in events}
    out_events = []
    for ev in events:
        args = []
        for a in ev.arguments:
            filler = types.get(a.event) if a.event else kept.get(a.entity)
            if filler is None:
                continue
            why = schema.role_problem(ev.type, a.role, filler)
            if why is None:
                args.append(a)
            else:
                refused.append(f"argument: {why}")
        out_events.append(replace(ev, arguments=tuple(args)))
    entities = tuple(e for e in ents if e.id in kept)
    return Served(replace(doc, entities=entities, events=tuple(out_events)), tuple(refused))


@dataclass(frozen=True, kw_only=True)
class SystemSpec:
    """What makes a system that predicts: its name, the spaCy pipeline, its label map and event rules, and how
    to digest all of it given the pipeline's name and version (what tells one version of the system from
    another)."""

    name: str
    model: str
    label_map: Path
    events: Path | None
    digest: Callable[[str], str]


class LoadedSystem:
    """A system's pipeline, loaded once; `predict` runs it on texts (one call at a time: the caller's to ensure,
    as the ML backend does with its lock)."""

    def __init__(self, spec: SystemSpec, schema: Schema, nlp: Any, label_map: LabelMap) -> None:
        self.spec = spec
        self._schema = schema
        self.nlp = nlp
        self.label_map = label_map
        self.version = pipeline_version(nlp)
        self.digest = spec.digest(self.version)

    @property
    def schema(self) -> Schema:
        return self._schema

    @property
    def model_version(self) -> str:
        """What Label Studio stores with the system's predictions: the system's name, its pipeline's name and
        version, and the first 12 hex digits of its digest (a changed label map, rule file, trained model or
        prediction code gives another version, and the labeling stream asks the backend again)."""
        return f"{self.spec.name}@{self.version}-{self.digest[:12]}"

    def predict(self, texts: Sequence[str]) -> list[Served]:
        """What the system predicts in `texts`, as `annot predict` would write it, less what the schema refuses."""
        docs = [Document(f"text-{i}", t) for i, t in enumerate(texts)]
        preds = predict_documents(self.nlp, docs, self.label_map, self.spec.name)
        return [admissible(p, self._schema) for p in preds]


def load_system(spec: SystemSpec, schema: Schema) -> LoadedSystem:
    """Load the pipeline of `spec` (once: keep the result)."""
    from .pipeline import build_pipeline

    nlp, lmap = build_pipeline(spec.model, spec.label_map, schema, spec.events)
    return LoadedSystem(spec, schema, nlp, lmap)
