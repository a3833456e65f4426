"""Label maps (configs/label_maps/*.toml): from a model's entity labels to the schema's.

A label that is neither mapped nor listed as ignored stops the run: no span is
ever dropped silently.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..errors import AnnotError, raise_if_problems
from ..files import read_toml
from ..schema import Schema


@dataclass(frozen=True)
class LabelMap:
    """From a model's labels to the schema's; `ignore` lists labels deliberately dropped."""

    mapping: dict[str, str]
    ignore: frozenset[str]
    path: str = ""

    def apply(self, label: str) -> str | None:
        if label in self.mapping:
            return self.mapping[label]
        if label in self.ignore:
            return None
        raise AnnotError(
            f"the model predicts label {label!r}, which the label map {self.path or ''} neither maps nor ignores",
            f'Add `{label} = "<schema label>"` under [map] or add {label!r} to `ignore` in the label map.',
        )


def load_label_map(path: Path, schema: Schema | None = None) -> LabelMap:
    """Read and check a label map file; with a schema, every target label must be one of its entity types."""
    path = Path(path)
    data = read_toml(path, "label map", "Check `label_map` in configs/evaluation.toml.")
    mapping = data.get("map", {})
    ignore = data.get("ignore", [])
    problems = []
    if not isinstance(mapping, dict) or not all(isinstance(v, str) for v in mapping.values()):
        problems.append(f"{path}: [map] must map model labels to schema labels (strings)")
        mapping = {}
    if not isinstance(ignore, list):
        problems.append(f"{path}: 'ignore' must be a list of model labels")
        ignore = []
    for src, dst in mapping.items():
        if schema is not None and dst not in schema.entities:
            problems.append(f"{path}: [map] {src} = {dst!r}: {dst!r} is not an entity type of schema {schema.name}")
        if src in ignore:
            problems.append(f"{path}: {src!r} is both mapped and ignored")
    raise_if_problems(problems, f"{path}: invalid label map")
    return LabelMap(dict(mapping), frozenset(ignore), str(path))
