"""Train a spaCy NER pipeline on the gold corpus, in the schema's own labels.

The gold documents of one split become spaCy DocBin files (tokenised by a blank
English pipeline, or by the base model's tokenizer), and spaCy's own training
loop (``spacy.training.initialize.init_nlp`` + ``spacy.training.loop.train``)
trains the pipeline described by a config file (configs/train_ner.cfg: a small
CPU tok2vec + ner, no vectors, nothing to download). The result is a normal
pipeline folder, ``<output>/model-best``, that ``spacy.load`` and
``annot predict`` (with configs/label_maps/schema.toml) use as any other.

Gold spans that do not align to spaCy's tokens (a span that cuts a token, such
as "NAT" in "NATO's") are neither expanded nor contracted: their tokens are
marked *missing* (no gradient either way) and every such span is listed in
``TrainResult.misaligned``; none is dropped silently.

Files written under ``<output>/``: ``corpus/train.spacy``, ``corpus/dev.spacy``,
``model-best/``, ``model-last/``, ``train.log`` (spaCy's log, its warnings and
the misaligned spans) and ``training.json`` (the summary returned here).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import io
import json
import logging
import re
import sys
import time
import warnings
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO, Any

from ..corpus.splits import read_gold, story
from ..documents import Document
from ..errors import AnnotError
from ..files import atomic_write_text, display_path, sha256_file
from ..limits import MAX_SEED, bounded
from ..project import GOLD, MODELS, TRAIN_CONFIG

HOLDOUT = 3  # documents held out of the training split when no dev split is given

# (epoch, max_epochs, step, development score): called at each of spaCy's evaluations during training.
Progress = Callable[[int, int, int, float | None], None]


@dataclass(frozen=True, kw_only=True)
class TrainOptions:
    """What to train on and how: the gold file and its split, the development split (None: whole stories held
    out of the training split), spaCy's training config with its seed and limits, and a pipeline to fine-tune."""

    gold: Path = GOLD
    split: str = "dev"
    dev_split: str | None = None
    config: Path = TRAIN_CONFIG
    seed: int = 0
    max_epochs: int | None = None
    max_steps: int | None = None
    base_model: str | None = None

    def __post_init__(self) -> None:
        bounded("--seed", self.seed, 0, MAX_SEED)


@dataclass(frozen=True)
class TrainResult:
    """What `train_ner` trained, on what, and how well on its development documents."""

    model_dir: Path  # the model-best folder
    train_docs: int
    dev_docs: int
    entities: int  # gold mentions of the training documents that were trained on (aligned)
    misaligned: list[str]  # gold spans (train and dev) that do not align to tokens: trained as missing
    seconds: float  # initialisation + training, wall clock
    scores: dict[str, float]  # spaCy's ents_f / ents_p / ents_r of model-best on the development documents


# ------------------------------------------------------------------ inputs


def hold_out(docs: list[Document], n: int = HOLDOUT) -> tuple[list[Document], list[Document]]:
    """Split `docs` into (train, held out): about `n` documents (at most a quarter, at least one), whole stories first."""
    # Stories (meta.story) in the order of the SHA-256 of their names until at least `n` documents are
    # held out, never more than half of them; when no story fits, single documents in the order of the
    # SHA-256 of their ids. Deterministic, and sibling articles do not leak into the held-out score.
    if len(docs) < 2:
        raise AnnotError(
            f"only {len(docs)} training document: too few to hold some out for spaCy's development set",
            "Give a development split (--dev-split) or a larger training split.",
        )
    k = max(1, min(n, len(docs) // 4))
    stories: dict[str, list[str]] = {}
    for d in docs:
        stories.setdefault(story(d), []).append(d.id)
    chosen: set[str] = set()
    for name in sorted(stories, key=lambda s: hashlib.sha256(s.encode("utf-8")).hexdigest()):
        if len(chosen) >= k:
            break
        if len(chosen) + len(stories[name]) <= len(docs) // 2:
            chosen.update(stories[name])
    if not chosen:
        chosen = {d.id for d in sorted(docs, key=lambda d: hashlib.sha256(d.id.encode("utf-8")).hexdigest())[:k]}
    return [d for d in docs if d.id not in chosen], [d for d in docs if d.id in chosen]


def to_docbin(nlp: Any, docs: list[Document], where: str) -> tuple[Any, int, list[str]]:
    """A DocBin of `docs` (tokenised by `nlp.make_doc`, gold entities set), the aligned mention count, the misaligned spans."""
    # A span that does not align to tokens is not trained on, neither expanded nor contracted: its
    # tokens are marked missing (neither entity nor outside: no gradient) and it is described in the list.
    from spacy.tokens import DocBin, Span

    db = DocBin(store_user_data=False)
    aligned = 0
    misaligned: list[str] = []
    for d in docs:
        sdoc = nlp.make_doc(d.text)
        spans: list[Span] = []
        unknown: set[int] = set()
        for e in sorted(d.entities):
            span = sdoc.char_span(e.start, e.end, label=e.label)
            if span is not None:
                spans.append(span)
                continue
            wide = sdoc.char_span(e.start, e.end, alignment_mode="expand")
            tokens = wide.text if wide is not None else ""
            misaligned.append(
                f"{where} {d.id} [{e.start}:{e.end}] {e.label} {d.text[e.start : e.end]!r} "
                f"does not align to tokens (covers {tokens!r})"
            )
            if wide is not None:
                unknown.update(range(wide.start, wide.end))
        for s in spans:
            unknown.difference_update(range(s.start, s.end))
        sdoc.set_ents(spans, missing=[sdoc[i : i + 1] for i in sorted(unknown)], default="outside")
        aligned += len(spans)
        db.add(sdoc)
    return db, aligned, misaligned


def _writable(output: Path) -> None:
    """Create `output` and check that files can be written in it."""
    try:
        output.mkdir(parents=True, exist_ok=True)
        probe = output / ".annot-write-test"
        probe.write_text("", encoding="utf-8")
        probe.unlink()
    except OSError as exc:
        raise AnnotError(
            f"{output}: cannot write the model there ({exc.strerror or exc})",
            "Give an output folder you can write to.",
        ) from None


# ------------------------------------------------------------------ config


def _config_error(config: Path, exc: Exception) -> AnnotError:
    """The AnnotError for a config that spaCy cannot read or resolve."""
    from thinc.api import ConfigValidationError

    problems: list[str] = []
    if isinstance(exc, ConfigValidationError):
        problems = [f"{'.'.join(str(p) for p in err.get('loc', []))}: {err.get('msg', '')}" for err in exc.errors or []]
        lines = [ln.strip() for ln in (exc.desc or "").splitlines() if ln.strip() and not ln.startswith("Make sure")]
        first = lines[0] if lines else (exc.title or "invalid settings")
        problems = lines[1:] + problems
    else:
        lines = str(exc).strip().splitlines()
        first = lines[0] if lines else type(exc).__name__
    return AnnotError(
        f"{config}: invalid training config: {first}",
        "Start again from configs/train_ner.cfg, or make one: python -m spacy init config -l en -p ner -o efficiency FILE",
        problems,
    )


def load_train_config(config: Path, overrides: dict[str, Any]) -> Any:
    """Read a spaCy training config with `overrides` (dotted paths); check it trains an `ner` component."""
    import configparser

    from spacy.util import load_config
    from thinc.api import ConfigValidationError

    config = Path(config)
    if not config.is_file():
        raise AnnotError(
            f"{config}: training config not found",
            "Use configs/train_ner.cfg, or make one: python -m spacy init config -l en -p ner -o efficiency FILE",
        )
    try:
        cfg = load_config(config, overrides=overrides, interpolate=False)
    except (ConfigValidationError, configparser.Error, ValueError, KeyError) as exc:
        raise _config_error(config, exc) from None
    pipeline = cfg.get("nlp", {}).get("pipeline", [])
    if "ner" not in pipeline or "ner" not in cfg.get("components", {}):
        raise AnnotError(
            f"{config}: invalid training config: no 'ner' component in [nlp] pipeline and [components]",
            "Start again from configs/train_ner.cfg.",
        )
    return cfg


def _use_base_model(cfg: Any, base_model: str, nlp: Any) -> None:
    """Fine-tune `base_model`'s ner: source it (with its own tok2vec) and copy the base tokenizer and vocab."""
    listens = nlp.get_pipe_config("ner").get("model", {}).get("tok2vec", {}).get("@architectures", "")
    ner: dict[str, Any] = {"source": base_model}
    if "Listener" in listens:
        ner["replace_listeners"] = ["model.tok2vec"]
    cfg["components"] = {"ner": ner}
    cfg["nlp"]["pipeline"] = ["ner"]
    cfg["initialize"]["before_init"] = {
        "@callbacks": "spacy.copy_from_base_model.v1",
        "tokenizer": base_model,
        "vocab": base_model,
    }


@contextlib.contextmanager
def _captured_spacy_log(log: list[str]) -> Iterator[None]:
    """Send spaCy's logger and Python warnings into `log` instead of the terminal."""

    class _Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            """Keep the record's text."""
            log.append(f"{record.levelname}: {record.getMessage()}")

    logger = logging.getLogger("spacy")
    saved = logger.handlers[:], logger.propagate
    logger.handlers, logger.propagate = [_Collect(logging.INFO)], False
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            yield
        log.extend(f"warning: {w.message}" for w in caught)
    finally:
        logger.handlers, logger.propagate = saved


# ------------------------------------------------------------------ training


def train_ner(options: TrainOptions, output: Path, progress: Progress | None = None) -> TrainResult:
    """Train an NER pipeline into `output` on the gold documents of `options.split`; spaCy evaluates on
    `options.dev_split` (or held-out documents).

    `progress(epoch, max_epochs, step, dev F1)` is called at each of spaCy's evaluations, by annot's registered
    spaCy logger (`progress_logger`), which wraps the logger of the config.
    """
    import spacy
    from catalogue import RegistryError
    from spacy.training.initialize import init_nlp
    from spacy.training.loop import train as spacy_train
    from thinc.api import ConfigValidationError

    gold, output, config = Path(options.gold), Path(output), Path(options.config)
    train_split, dev_split, seed, base_model = options.split, options.dev_split, options.seed, options.base_model
    if dev_split is not None and dev_split == train_split:
        raise AnnotError(
            f"the development split is the training split ({train_split!r})",
            "Give another --dev-split, or none to hold out documents of the training split.",
        )
    overrides: dict[str, Any] = {"system.seed": seed}
    if options.max_epochs is not None:
        overrides["training.max_epochs"] = options.max_epochs
    if options.max_steps is not None:
        overrides["training.max_steps"] = options.max_steps
    cfg = load_train_config(config, overrides)
    # annot's logger wraps the config's own (which still writes spaCy's table to train.log) and reports progress.
    cfg["training"]["logger"] = {"@loggers": PROGRESS_LOGGER, "inner": dict(cfg["training"]["logger"])}
    train_docs = read_gold(gold, train_split).documents
    if dev_split is None:
        train_docs, dev_docs = hold_out(train_docs)
    else:
        dev_docs = read_gold(gold, dev_split).documents
    _writable(output)

    if base_model is not None:
        from .pipeline import load_pipeline

        tok_nlp = load_pipeline(base_model)
        _use_base_model(cfg, base_model, tok_nlp)
    else:
        tok_nlp = spacy.blank(str(cfg["nlp"].get("lang") or "en"))
    train_db, n_entities, misaligned = to_docbin(tok_nlp, train_docs, "train")
    dev_db, _, dev_misaligned = to_docbin(tok_nlp, dev_docs, "dev")
    misaligned += dev_misaligned
    corpus = output / "corpus"
    corpus.mkdir(parents=True, exist_ok=True)
    train_db.to_disk(corpus / "train.spacy")
    dev_db.to_disk(corpus / "dev.spacy")
    cfg["paths"]["train"] = str(corpus / "train.spacy")
    cfg["paths"]["dev"] = str(corpus / "dev.spacy")

    log: list[str] = []
    console = io.StringIO()
    max_epochs = int(cfg["training"]["max_epochs"] or 0)
    reporter = None if progress is None else functools.partial(_report, progress, max_epochs)
    started = time.perf_counter()
    if PROGRESS_LOGGER not in spacy.registry.loggers:  # annot not installed as a package (no entry point)
        spacy.registry.loggers.register(PROGRESS_LOGGER, func=progress_logger)
    with _reporting_to(reporter), _captured_spacy_log(log):
        try:
            nlp = init_nlp(cfg, use_gpu=-1)
        except (ConfigValidationError, RegistryError) as exc:
            raise _config_error(config, exc) from None
        nlp.meta["name"] = re.sub(r"[^A-Za-z0-9_]+", "_", output.resolve().name).strip("_") or "ner"
        nlp.meta["description"] = (
            f"NER trained by annot on {display_path(gold)} split {train_split!r} ({len(train_docs)} documents), "
            f"development: {dev_split or 'held out of ' + repr(train_split)} ({len(dev_docs)} documents), seed {seed}"
        )
        nlp.meta["annot"] = {
            "gold": display_path(gold),
            "gold_sha256": sha256_file(gold),
            "train_split": train_split,
            "dev_split": dev_split,
            "train_documents": [d.id for d in train_docs],
            "dev_documents": [d.id for d in dev_docs],
            "seed": seed,
            "base_model": base_model,
            "config": display_path(config),
            "misaligned": len(misaligned),
        }
        spacy_train(nlp, output, use_gpu=-1, stdout=console, stderr=console)
    seconds = time.perf_counter() - started

    model_dir = output / "model-best"
    meta = json.loads((model_dir / "meta.json").read_text(encoding="utf-8"))
    perf = meta.get("performance", {})
    scores = {k: float(perf[k]) for k in ("ents_f", "ents_p", "ents_r") if isinstance(perf.get(k), int | float)}
    result = TrainResult(model_dir, len(train_docs), len(dev_docs), n_entities, misaligned, seconds, scores)
    atomic_write_text(
        output / "train.log",
        re.sub(r"\x1b\[[0-9;]*m", "", console.getvalue())
        + "".join(f"{line}\n" for line in log)
        + "".join(f"misaligned: {m}\n" for m in misaligned),
    )
    summary = {**asdict(result), "model_dir": str(model_dir)}
    atomic_write_text(output / "training.json", json.dumps(summary, ensure_ascii=False, indent=2) + "\n")
    return result


# ------------------------------------------------------------------ progress

PROGRESS_LOGGER = "annot.ProgressLogger.v1"  # registered with spaCy through the entry point spacy_loggers
_PROGRESS: ContextVar[Callable[[int, int, float | None], None] | None] = ContextVar("annot_progress", default=None)


def _report(progress: Progress, max_epochs: int, epoch: int, step: int, score: float | None) -> None:
    progress(epoch, max_epochs, step, score)


@contextlib.contextmanager
def _reporting_to(reporter: Callable[[int, int, float | None], None] | None) -> Iterator[None]:
    """The training under way in this context reports its evaluations to `reporter` (None: to nobody)."""
    token = _PROGRESS.set(reporter)
    try:
        yield
    finally:
        _PROGRESS.reset(token)


def progress_logger(inner: Callable[..., Any]) -> Callable[..., Any]:
    """A spaCy training logger (registered as "annot.ProgressLogger.v1") that runs the config's logger `inner`
    and reports each evaluation (epoch, step, score) to the training under way in this context, if it asked.

    It leaves spaCy's own output alone: the console table still goes where `inner` writes it.
    """

    def setup(nlp: Any, stdout: IO[str] = sys.stdout, stderr: IO[str] = sys.stderr) -> tuple[Any, Any]:
        log_step, finalize = inner(nlp, stdout, stderr)
        report = _PROGRESS.get()

        def step(info: dict[str, Any] | None) -> None:
            log_step(info)
            if info is not None and report is not None:
                score = info.get("score")
                report(int(info["epoch"]), int(info["step"]), None if score is None else float(score))

        return step, finalize

    return setup


def train_command(
    name: str, options: TrainOptions = TrainOptions(), models: Path = MODELS, progress: Progress | None = None
) -> list[str]:
    """Body of `annot train`: train <models>/<name>/ as `options` say and return the lines to print."""
    if not name or "/" in name or "\\" in name or name in (".", ".."):
        raise AnnotError(f"--name {name!r}: give a plain folder name, such as ner-dev")
    r = train_ner(options, models / name, progress)
    f = r.scores.get("ents_f")
    lines = [
        f"trained on {r.train_docs} document(s) of split {options.split!r} ({r.entities} entity mentions) in "
        f"{r.seconds:.0f} s; development: {r.dev_docs} document(s)"
        + (
            f", F1 {f:.3f} (P {r.scores.get('ents_p', 0):.3f}, R {r.scores.get('ents_r', 0):.3f})"
            if f is not None
            else ""
        ),
    ]
    if r.misaligned:
        lines.append(f"{len(r.misaligned)} gold span(s) do not align to tokens; their tokens were trained as missing:")
        lines += [f"  {m}" for m in r.misaligned]
    lines.append(f"wrote {r.model_dir} (log: {r.model_dir.parent / 'train.log'})")
    lines.append(
        f"predict: annot predict DOCS.jsonl -o preds.jsonl --model {r.model_dir} --label-map configs/label_maps/schema.toml"
    )
    return lines
