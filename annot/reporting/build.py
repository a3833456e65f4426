"""Building the report: the records of `model.py` from an `Evaluation` (totals, scores, macro averages, errors).

No files and no JSON here: `codec.py` writes the records, `write.py` the files.
"""

from __future__ import annotations

import datetime as _dt
from collections import Counter

from .. import __version__
from ..scoring.bootstrap import bootstrap_intervals
from ..scoring.counts import CountKey, ZeroDivision, macro
from ..scoring.scorer import Evaluation, ScoringSettings
from ..scoring.table import CountTable
from ..scoring.vocabulary import EVENT_LEVELS, EXTENSION_DEFINITIONS, ROLE_LEVELS, SCHEME_DEFINITIONS, SCHEMES
from .model import (
    AlignmentInfo,
    Confusion,
    Definitions,
    EntityResults,
    EntityScore,
    ErrorRecord,
    EventResults,
    EventScore,
    GoldInfo,
    GroupScore,
    GroupScores,
    HumanCeiling,
    MacroScore,
    Meta,
    Report,
    SchemaInfo,
    Settings,
    SystemInfo,
    UnalignedSpan,
)


def definitions(settings: Settings, extensions: tuple[str, ...] = ()) -> Definitions:
    """The definitions stated in a report made with `settings` (and the extension rules the data makes apply)."""
    zero = settings.zero_division == ZeroDivision.ZERO
    return Definitions(
        extensions={k: EXTENSION_DEFINITIONS[k] for k in extensions},
        schemes=dict(SCHEME_DEFINITIONS),
        per_label="predictions are compared with gold mentions of the same label only: a type confusion "
        "is missed under the gold label and spurious under the predicted label",
        macro="mean over labels with gold or predicted mentions; an undefined value (zero denominator) "
        + ("counts as 0" if zero else "is left out"),
        zero_division=(
            "zero: precision with no prediction, recall with no gold, and F1 with neither are 0.0"
            if zero
            else "null: precision with no prediction, recall with no gold are null, never 1.0; "
            "F1 is 0 if only one of them is defined"
        ),
        ci=f"percentile bootstrap over documents, {settings.bootstrap_samples} resamples, "
        f"seed {settings.seed}, confidence {settings.confidence}",
    )


VERSIONED = ("spacy", "thinc", "numpy", "scipy", "scikit-learn", "msgspec", "krippendorff", "label-studio-sdk")


def versions() -> dict[str, str]:
    """The versions of Python and the libraries a report's numbers depend on, for reproducing them."""
    import platform
    from importlib import metadata

    out = {"annot": __version__, "python": platform.python_version()}
    for name in VERSIONED:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return out


def now() -> str:
    """The report timestamp: UTC, seconds."""
    return _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")


def build_report(
    ev: Evaluation,
    *,
    gold: GoldInfo,
    system: SystemInfo,
    schema: SchemaInfo,
    created_at: str | None = None,
    human: HumanCeiling | None = None,
    groups: tuple[str, dict[str, str]] | None = None,
) -> Report:
    """The report of an evaluation: totals, scores, macro averages, errors and the per-document counts."""
    zd = ev.settings.zero_division
    table = ev.table
    settings = Settings(
        bootstrap_samples=ev.settings.bootstrap_samples,
        confidence=ev.settings.confidence,
        event_levels=EVENT_LEVELS,
        schemes=SCHEMES,
        seed=ev.settings.seed,
        zero_division=str(zd),
        max_errors=ev.settings.max_errors,
    )
    per_label_counts = {
        lab: {s: table.entity_total(CountKey("entities", lab, s)) for s in SCHEMES} for lab in ev.labels
    }
    supported = [
        lab for lab in ev.labels if per_label_counts[lab]["strict"].possible or per_label_counts[lab]["strict"].actual
    ]
    macro_scores: dict[str, MacroScore] = {}
    for s in SCHEMES:
        p, r, f = macro((per_label_counts[lab][s].scores("null") for lab in supported), zd)
        macro_scores[s] = MacroScore(precision=p, recall=r, f1=f, labels=len(supported))

    def escore(key: CountKey) -> EntityScore:
        return EntityScore.of(table.entity_total(key), zd, ev.intervals.get(key))

    def vscore(key: CountKey) -> EventScore:
        return EventScore.of(table.event_total(key), zd, ev.intervals.get(key))

    entities = EntityResults(
        micro={s: escore(CountKey("entities", None, s)) for s in SCHEMES},
        macro=macro_scores,
        per_label={lab: {s: escore(CountKey("entities", lab, s)) for s in SCHEMES} for lab in ev.labels},
        unsupported_labels=tuple(lab for lab in ev.labels if lab not in supported),
        errors=tuple(ErrorRecord.of(e) for e in ev.errors),
        confusion=confusion_dict(ev.confusion),
        errors_left_out=dict(sorted(ev.errors_left_out.items())),
    )
    events = EventResults(
        micro={lvl: vscore(CountKey("events", None, lvl)) for lvl in EVENT_LEVELS},
        per_type={t: {lvl: vscore(CountKey("events", t, lvl)) for lvl in EVENT_LEVELS} for t in ev.event_types},
        per_role={r: {lvl: vscore(CountKey("roles", r, lvl)) for lvl in ROLE_LEVELS} for r in ev.roles},
        errors=tuple(ErrorRecord.of(e) for e in ev.event_errors),
        role_confusion=confusion_dict(ev.role_confusion),
        errors_left_out=dict(sorted(ev.event_errors_left_out.items())),
    )
    al = ev.alignment
    meta = Meta(
        versions=versions(),
        annot_version=__version__,
        created_at=created_at or now(),
        gold=gold,
        schema=schema,
        system=system,
        settings=settings,
        definitions=definitions(settings, ev.extensions),
        ignored_prediction_documents=ev.ignored_prediction_documents,
        alignment=AlignmentInfo(
            tokenizer=al.tokenizer,
            gold_unaligned=al.gold_unaligned,
            predicted_unaligned=al.predicted_unaligned,
            predicted_unaligned_examples=tuple(
                UnalignedSpan(document=e.doc_id, start=e.pred[0], end=e.pred[1], label=e.pred[2], text=e.pred_text)
                for e in al.predicted_unaligned_examples
                if e.pred is not None
            ),
            documents=al.documents,
        ),
    )
    return Report(
        meta=meta,
        entities=entities,
        events=events,
        per_document=table,
        human=human,
        groups=None if groups is None else group_scores(table, groups[0], groups[1], zd, ev.settings),
    )


def group_scores(
    table: CountTable,
    key: str,
    group_of: dict[str, str],
    zero_division: str,
    settings: ScoringSettings | None = None,
) -> GroupScores:
    """Micro scores per group; `group_of` maps document ids to their group ("(none)" when a document has none).
    With `settings` (bootstrap resamples, seed, confidence), the micro scores of each group of two or more
    documents get their interval: a bootstrap over the group's own documents, with the report's seed (a single
    document gives no interval: resampling it gives it back)."""
    members: dict[str, list[str]] = {}
    for doc_id in table.ids:
        members.setdefault(group_of.get(doc_id, "(none)"), []).append(doc_id)
    keys = [CountKey("entities", None, s) for s in SCHEMES] + [CountKey("events", None, lvl) for lvl in EVENT_LEVELS]
    values = {}
    for name, ids in sorted(members.items()):
        sub = table.select(ids)
        ci = (
            {}
            if settings is None or len(ids) < 2
            else bootstrap_intervals(
                sub, keys, settings.bootstrap_samples, settings.seed, settings.confidence, zero_division
            )
        )
        values[name] = GroupScore(
            documents=len(ids),
            entities={
                s: EntityScore.of(
                    sub.entity_total(CountKey("entities", None, s)),
                    zero_division,
                    ci.get(CountKey("entities", None, s)),
                )
                for s in SCHEMES
            },
            events={
                lvl: EventScore.of(
                    sub.event_total(CountKey("events", None, lvl)), zero_division, ci.get(CountKey("events", None, lvl))
                )
                for lvl in EVENT_LEVELS
            },
        )
    return GroupScores(key=key, values=values)


def confusion_dict(c: Counter[tuple[str, str]]) -> Confusion:
    """{gold: {predicted: count}}, with the rows / columns "(missed)" and "(spurious)"."""
    out: Confusion = {}
    for (g, p), n in sorted(c.items()):
        out.setdefault(g, {})[p] = n
    return out
