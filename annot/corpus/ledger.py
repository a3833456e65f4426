"""The test-split ledger: every scoring of a held-out split, recorded beside the corpus.

A split named in ``splits.json``'s ``held_out`` list is for reporting, not for
development. annot records each scoring of it in ``ledger.jsonl`` (one line
each, appended; the corpus's manifest does not cover it, since it grows):
when, which split and gold, which system and configuration (a digest of the
system's code, rules and model, and one of its predictions), and the headline
figures. A scoring identical to one already recorded (same gold, same system
digest, same predictions) reveals nothing new and is not recorded again, so a
main job re-run on a fresh clone leaves the ledger as it is.

Every report of a held-out split says how often the split has been scored and
whether this system changed after its first score there (``meta.held_out``).
A policy (``[held_out]`` in configs/evaluation.toml) can also refuse: a second
distinct scoring of a system on the split, or a system whose code changed after
its first score there.
"""

from __future__ import annotations

import datetime as _dt
import json
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

import numpy as np

from ..columns import Columns
from ..errors import AnnotError
from ..files import atomic_write_lines, output_lock

LEDGER = "ledger.jsonl"


class Policy(StrEnum):
    """What a scoring of a held-out split does beyond recording it."""

    RECORD = "record"  # record, and say in the report how often the split was scored
    WARN = "warn"  # also warn when the system was scored there before with other code, or scored again
    REFUSE = "refuse"  # refuse those (exit 2, nothing written)


@dataclass(frozen=True, kw_only=True)
class Entry:
    """One scoring of a held-out split."""

    scored_at: str
    split: str
    gold_sha256: str  # of the held-out documents scored (their ids and texts)
    documents: int
    system: str
    system_sha256: str  # of what makes the system: code, rules, label map, model
    predictions_sha256: str  # of the predictions of the scored documents
    annot_version: str
    figures: dict[str, float | None] = field(default_factory=dict)

    def key(self) -> tuple[str, str, str, str]:
        return (self.split, self.gold_sha256, self.system_sha256, self.predictions_sha256)


@dataclass(frozen=True, kw_only=True)
class Standing:
    """What a report says about the held-out split it scores: how often it was scored (distinct scorings), since
    when, this system's first scoring there, and whether the system changed after it."""

    split: str
    scorings: int
    first_scored: str | None
    system_scorings: int
    system_first_scored: str | None
    system_changed: bool  # another system digest was scored there under this name before
    policy: str


def read_ledger(corpus: Path) -> list[Entry]:
    """The entries of `corpus`'s ledger, oldest first (none when it has no ledger)."""
    path = Path(corpus) / LEDGER
    if not path.is_file():
        return []
    out = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
            out.append(Entry(**raw))
        except (ValueError, TypeError) as exc:
            raise AnnotError(
                f"{path}:{n}: not a ledger entry ({exc})",
                "The ledger is appended to by annot only: restore the line from version control.",
            ) from None
    return out


def standing(entries: Iterable[Entry], entry: Entry, policy: Policy) -> Standing:
    """Where `entry` stands among `entries` (recorded before it) of the same split."""
    same = [e for e in entries if e.split == entry.split]
    mine = [e for e in same if e.system == entry.system]
    distinct = {e.key() for e in same} | {entry.key()}
    return Standing(
        split=entry.split,
        scorings=len(distinct),
        first_scored=min([e.scored_at for e in same] + [entry.scored_at]),
        system_scorings=len({e.key() for e in mine} | {entry.key()}),
        system_first_scored=min([e.scored_at for e in mine] + [entry.scored_at]),
        system_changed=any(e.system_sha256 != entry.system_sha256 for e in mine),
        policy=str(policy),
    )


def check_policy(entries: list[Entry], entry: Entry, policy: Policy) -> list[str]:
    """The warnings (policy warn) or refusals (policy refuse) of scoring `entry`; none when it is a repeat of a
    recorded scoring, or under policy record."""
    if policy == Policy.RECORD or any(e.key() == entry.key() for e in entries):
        return []
    mine = [e for e in entries if e.split == entry.split and e.system == entry.system]
    out = []
    changed = [e for e in mine if e.system_sha256 != entry.system_sha256]
    if changed:
        out.append(
            f"system {entry.system!r} changed since it was first scored on held-out split {entry.split!r} "
            f"({changed[0].scored_at}): a figure of it now is no longer a held-out figure"
        )
    elif mine:
        out.append(
            f"system {entry.system!r} was scored on held-out split {entry.split!r} before ({mine[0].scored_at}) "
            "with other predictions"
        )
    return out


def record(corpus: Path, entry: Entry) -> bool:
    """Append `entry` to the ledger unless an identical scoring is recorded; whether it was appended."""
    path = Path(corpus) / LEDGER
    with output_lock(Path(corpus), "ledger", wait=True):  # two evaluations at once: both entries are kept
        entries = read_ledger(corpus)
        if any(e.key() == entry.key() for e in entries):
            return False
        lines = [json.dumps(asdict(e), ensure_ascii=False, sort_keys=True) + "\n" for e in [*entries, entry]]
        atomic_write_lines(path, lines)
    return True


def now() -> str:
    return _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")


def columns_digest(c: Columns, rows: Sequence[int]) -> str:
    """A digest of what documents `rows` of `c` say (ids, text digests, every mention, trigger and argument by
    offsets and names), the same whatever the codes or the order of the documents."""
    import hashlib

    labels, types, roles = c.vocabs.labels.names, c.vocabs.types.names, c.vocabs.roles.names
    ent_at = np.searchsorted(c.ent_doc, np.arange(len(c) + 1))
    ev_at = np.searchsorted(c.ev_doc, np.arange(len(c) + 1))
    arg_at = np.searchsorted(c.arg_event, np.arange(len(c.ev_doc) + 1))
    h = hashlib.sha256()
    for d in sorted(rows, key=lambda i: c.ids[i]):
        ents = sorted(
            (int(c.ent_start[k]), int(c.ent_end[k]), labels[c.ent_label[k]]) for k in range(ent_at[d], ent_at[d + 1])
        )
        events = sorted(
            (
                int(c.ev_start[k]),
                int(c.ev_end[k]),
                types[c.ev_type[k]],
                tuple(
                    sorted(
                        (roles[c.arg_role[a]], int(c.ent_start[c.arg_entity[a]]), int(c.ent_end[c.arg_entity[a]]))
                        for a in range(arg_at[k], arg_at[k + 1])
                    )
                ),
            )
            for k in range(ev_at[d], ev_at[d + 1])
        )
        h.update(json.dumps([c.ids[d], c.sha256[d], ents, events]).encode("utf-8"))
    return h.hexdigest()


def held_out_splits(corpus: Path) -> list[str]:
    """The splits `corpus`'s splits.json names as held out (for reporting only)."""
    from .splits import SPLITS

    path = Path(corpus) / SPLITS
    try:
        data: Any = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    held = data.get("held_out", []) if isinstance(data, dict) else []
    return [str(s) for s in held] if isinstance(held, list) else []
