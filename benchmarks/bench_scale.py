"""Scale benchmark of `annot evaluate` and `annot import` against nervaluate, seqeval and spaCy's Scorer.

    python benchmarks/bench_scale.py [--sizes 10k 100k 1m] [--bootstrap 0 1000] [--repeats 1]
                                     [--work DIR] [--only annot,nervaluate,seqeval,spacy,events,import]
                                     [--skip-import] [--max-mb 6000] [--max-seconds 900]

For each size (gold entity mentions) it writes a synthetic wire corpus (benchmarks/synthetic.py: about 28
mentions per document, events, noisy predictions), then

- runs `annot evaluate --gold G --pred P -o OUT --bootstrap B` as a whole process, from the work folder (outside
  the project, so it scores with the labels of the data), once per --bootstrap value, and reads OUT/report.json;
- runs each reference scorer in a worker process of its own: inputs built first (not timed), then only the
  scoring call timed: nervaluate 1.2.1 ``Evaluator(...).evaluate()``, seqeval's
  ``classification_report(..., output_dict=True)`` on IOB2 tags, spaCy's ``Scorer.score_spans(examples, "ents")``;
- checks that the counts agree wherever the definitions agree (they all do on this data: every mention overlaps
  at most one mention of the other side): nervaluate's four schemes micro and per label, seqeval's and spaCy's
  strict P/R/F1 micro and per label, the six event levels against a short multiset count written here from the
  the definitions of docs/reference/metrics.md, and every annot run against the others;
- times `annot import` on a Label Studio export of 3,720 tasks per million mentions and checks what it wrote.

Wall seconds of annot are the whole process (start-up, reading, scoring, writing three reports); of the
references, the scoring call alone. Peak MB is the largest memory of the whole process tree (the sum of the
processes' proportional set sizes, polled every 20 ms, so that pages forked workers share with their parent count
once; or the kernel's ru_maxrss of the largest process when larger), so for the references it includes their inputs. Prints Markdown tables and
the machine; exits 1 if a count disagrees or a run fails (a run stopped at --max-mb / --max-seconds is reported,
not failed). Only annot's command line and report.json keys are used, never annot's code, so it measures
whichever scoring engine the checkout has.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

try:
    from benchmarks import synthetic
except ModuleNotFoundError:  # run as a script, without the project on sys.path
    import synthetic  # type: ignore[no-redef]

ROOT = Path(__file__).resolve().parent.parent
SCHEMA_FILE = ROOT / "configs" / "schema.toml"
SCHEMES = ("strict", "exact", "partial", "type")
NERVALUATE_SCHEME = {"strict": "strict", "exact": "exact", "partial": "partial", "type": "ent_type"}
COUNT_KEYS = ("correct", "incorrect", "partial", "missed", "spurious")
LEVELS = (
    "trigger_identification",
    "trigger_classification",
    "argument_identification",
    "argument_classification",
    "argument_identification_anchored",
    "argument_classification_anchored",
)
TOOLS = ("annot", "nervaluate", "seqeval", "spacy", "events", "import")
POLL_SECONDS = 0.02
TOLERANCE = 1e-9

Doc = dict[str, Any]
Pair = tuple[Doc, Doc]


# ------------------------------------------------------------------ sizes and formatting


def parse_size(text: str) -> int:
    """'10k' -> 10000, '1m' -> 1000000, '2000' -> 2000.

    >>> parse_size("10k"), parse_size("1M"), parse_size("2000")
    (10000, 1000000, 2000)
    """
    t = text.strip().lower().replace("_", "")
    scale = {"k": 1_000, "m": 1_000_000}.get(t[-1:], 1)
    return int(float(t[:-1] if scale > 1 else t) * scale)


def size_label(n: int) -> str:
    """1000000 -> '1M', 100000 -> '100k', 2000 -> '2k', 2500 -> '2500'.

    >>> size_label(1_000_000), size_label(100_000), size_label(2_500)
    ('1M', '100k', '2500')
    """
    if n % 1_000_000 == 0:
        return f"{n // 1_000_000}M"
    if n % 1_000 == 0:
        return f"{n // 1_000}k"
    return str(n)


def _seconds(s: float) -> str:
    return f"{s:.2f}" if s < 10 else f"{s:.1f}"


def _int(x: float) -> str:
    return f"{x:,.0f}"


# ------------------------------------------------------------------ measuring a process tree


def _children(pid: int) -> list[int]:
    """Direct children of `pid` (from /proc), [] once it is gone."""
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return []
    kids: list[int] = []
    for tid in tids:
        try:
            with open(f"/proc/{pid}/task/{tid}/children") as f:
                kids += [int(x) for x in f.read().split()]
        except OSError:
            continue
    return kids


_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def _rss(pid: int) -> int:
    """Memory of one process in bytes (0 once it is gone): its proportional set size where the kernel gives it
    (pages shared with other processes, such as the forked workers of annot, are split between them rather than
    counted in each), else its resident set."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
    except (OSError, IndexError, ValueError):
        pass
    try:
        with open(f"/proc/{pid}/statm") as f:
            return int(f.read().split()[1]) * _PAGE
    except (OSError, IndexError, ValueError):
        return 0


def tree_rss(pid: int, include_root: bool = True) -> int:
    """Total memory (`_rss`: proportional set size, else resident set), in bytes, of the descendants of `pid`
    and, with `include_root`, of `pid` itself."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        total += _rss(p) if include_root or p != pid else 0
        todo += _children(p)
    return total


@dataclass(frozen=True)
class Limits:
    """When a measured process tree is stopped: resident memory (MB) or wall time (s); 0 means no limit."""

    max_mb: float = 0
    max_seconds: float = 0


@dataclass
class Measured:
    """One measured process: wall seconds, peak memory of its tree, exit code, why it was stopped if it was."""

    seconds: float
    peak_mb: float
    polled_mb: float
    maxrss_mb: float
    exit_code: int
    stopped: str = ""
    cpu_seconds: float = 0.0  # user + system time of the tree (0 when it was stopped)
    load: float = 0.0  # the highest 1-minute load average of the machine seen during the run


class _Poller(threading.Thread):
    """Samples the total memory (proportional set sizes) of the launcher's descendants every 20 ms; stops the launcher's process group (the
    launcher and the measured tree) at a limit."""

    def __init__(self, pid: int, limits: Limits, started: float) -> None:
        super().__init__(daemon=True)
        self.pid, self.limits, self.started = pid, limits, started
        self.peak = 0
        self.load = 0.0
        self.stopped = ""
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            rss = tree_rss(self.pid, include_root=False)
            self.peak = max(self.peak, rss)
            self.load = max(self.load, os.getloadavg()[0])
            elapsed = time.perf_counter() - self.started
            if not self.stopped:
                if self.limits.max_mb and rss > self.limits.max_mb * 1e6:
                    self._halt(f"stopped at {rss / 1e6:,.0f} MB (limit {self.limits.max_mb:g} MB)")
                elif self.limits.max_seconds and elapsed > self.limits.max_seconds:
                    self._halt(f"stopped after {elapsed:,.1f} s (limit {self.limits.max_seconds:g} s)")
            self.done.wait(POLL_SECONDS)

    def _halt(self, why: str) -> None:
        self.stopped = why
        with contextlib.suppress(ProcessLookupError):  # the group of the process we started (start_new_session)
            os.killpg(self.pid, signal.SIGKILL)


# A process inherits the peak resident set of the process it was forked from (the kernel keeps the larger of the
# two at exec), so a child of this script, which may hold a corpus, would report this script's peak as its
# ru_maxrss. The measured command is therefore started by this small launcher (python -S, a few MB), which
# times it and writes its wall seconds, exit code, ru_maxrss and CPU time (from os.wait4) to the file named first.
LAUNCHER = """
import json, os, sys, time
started = time.perf_counter()
pid = os.fork()
if pid == 0:
    try:
        os.execvp(sys.argv[2], sys.argv[2:])
    finally:
        os._exit(127)
_, status, usage = os.wait4(pid, 0)
seconds = time.perf_counter() - started
code = os.waitstatus_to_exitcode(status)
with open(sys.argv[1], "w") as f:
    cpu = usage.ru_utime + usage.ru_stime
    json.dump({"seconds": seconds, "exit_code": code, "maxrss_kb": usage.ru_maxrss, "cpu_seconds": cpu}, f)
sys.exit(min(abs(code), 255))
"""


def run_measured(cmd: Sequence[str], *, cwd: Path, log: Path, limits: Limits = Limits()) -> Measured:
    """Run `cmd` from `cwd` (output to `log`) through the launcher, in a session of its own: wall seconds, exit
    code and the peak memory of its process tree (polled total PSS and ru_maxrss, the larger of the two)."""
    facts = log.with_suffix(".measure.json")
    facts.unlink(missing_ok=True)
    with open(log, "wb") as out:
        started = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, "-S", "-c", LAUNCHER, str(facts), *cmd],
            cwd=cwd,
            env=tool_env(),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        poller = _Poller(proc.pid, limits, started)
        poller.start()
        _, status, _ = os.wait4(proc.pid, 0)
        outer = time.perf_counter() - started
        poller.done.set()
        poller.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    got = json.loads(facts.read_text()) if facts.is_file() else {}
    maxrss = got.get("maxrss_kb", 0) * 1024 / 1e6  # kilobytes on Linux
    polled = poller.peak / 1e6
    seconds = got.get("seconds", outer)
    code = got.get("exit_code", proc.returncode)
    cpu = got.get("cpu_seconds", 0.0)
    return Measured(seconds, max(polled, maxrss), polled, maxrss, code, poller.stopped, cpu, poller.load)


def tool_env() -> dict[str, str]:
    """The environment of measured processes: this checkout's annot first, no project named."""
    env = dict(os.environ)
    env.pop("ANNOT_PROJECT", None)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [env.get("PYTHONPATH")])])
    return env


def annot_command(*args: object) -> list[str]:
    """`annot ARGS` as this checkout's code (``python -m annot`` with the checkout on PYTHONPATH)."""
    return [sys.executable, "-m", "annot", *(str(a) for a in args)]


def annot_location(cwd: Path) -> Path:
    """The folder the measured processes import annot from (it must be this checkout's annot/)."""
    code = "import annot; print(annot.__file__)"
    out = subprocess.run([sys.executable, "-c", code], cwd=cwd, env=tool_env(), capture_output=True, text=True)
    return Path(out.stdout.strip()).resolve().parent if out.returncode == 0 else Path("(annot not importable)")


def checkout_version() -> str:
    """The annot version of this checkout (its pyproject.toml; the installed one may be another checkout's)."""
    import tomllib

    return str(tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"])


def inside_project(folder: Path) -> Path | None:
    """The project root above `folder` (a folder with configs/schema.toml), if any."""
    here = folder.resolve()
    for f in (here, *here.parents):
        if (f / "configs" / "schema.toml").is_file():
            return f
    return None


# ------------------------------------------------------------------ reading report.json


def report_entity_counts(report: dict[str, Any]) -> dict[str, Any]:
    """{"micro": {scheme: [correct, incorrect, partial, missed, spurious]}, "per_label": {label: {scheme: [...]}}}."""
    ents = report["entities"]
    return {
        "micro": {s: [ents["micro"][s][k] for k in COUNT_KEYS] for s in SCHEMES},
        "per_label": {
            label: {s: [by_scheme[s][k] for k in COUNT_KEYS] for s in SCHEMES}
            for label, by_scheme in ents["per_label"].items()
        },
    }


def report_event_counts(report: dict[str, Any]) -> dict[str, list[int]]:
    """{level: [matched, predicted, gold]} of ``events.micro``."""
    micro = report["events"]["micro"]
    return {level: [micro[level][k] for k in ("matched", "predicted", "gold")] for level in LEVELS}


def strict_prf(counts: Sequence[int]) -> tuple[float, float, float]:
    """Strict precision, recall, F1 of [correct, incorrect, partial, missed, spurious], 0 for 0/0 (as seqeval
    and spaCy report it).

    >>> strict_prf([3, 1, 0, 0, 0])
    (0.75, 0.75, 0.75)
    """
    correct, incorrect, partial, missed, spurious = counts
    actual = correct + incorrect + partial + spurious
    possible = correct + incorrect + partial + missed
    p = correct / actual if actual else 0.0
    r = correct / possible if possible else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


# ------------------------------------------------------------------ documents in, tool inputs out


def read_pairs(gold: Path, pred: Path) -> Iterator[Pair]:
    """(gold, predicted) documents of two JSONL files written in the same order, one pair at a time."""
    with open(gold, encoding="utf-8") as g, open(pred, encoding="utf-8") as p:
        for line_g, line_p in zip(g, p, strict=True):
            dg, dp = json.loads(line_g), json.loads(line_p)
            if dg["id"] != dp["id"]:
                raise ValueError(f"{gold} and {pred} are not in the same order: {dg['id']} / {dp['id']}")
            yield dg, dp


def token_spans(doc: Doc) -> tuple[int, list[tuple[int, int, str]]]:
    """The number of whitespace tokens of the text and each entity as a token range [start, end) with its label.

    >>> token_spans({"text": "NATO sent troops to Priština .", "entities": [{"start": 20, "end": 28, "label": "GPE"}]})
    (6, [(4, 5, 'GPE')])
    """
    starts: dict[int, int] = {}
    ends: dict[int, int] = {}
    pos = 0
    tokens = doc["text"].split(" ")
    for i, t in enumerate(tokens):
        starts[pos] = i
        ends[pos + len(t)] = i + 1
        pos += len(t) + 1
    out = []
    for e in doc["entities"]:
        if e["start"] not in starts or e["end"] not in ends:
            raise ValueError(f"{doc.get('id')}: {e} does not cover whole whitespace tokens")
        out.append((starts[e["start"]], ends[e["end"]], e["label"]))
    return len(tokens), out


_TAGS: dict[tuple[str, str], str] = {}


def iob2(n_tokens: int, spans: Iterable[tuple[int, int, str]]) -> list[str]:
    """IOB2 tags of token spans (tag strings shared, to keep a million spans small).

    >>> iob2(4, [(1, 3, "PER")])
    ['O', 'B-PER', 'I-PER', 'O']
    """
    tags = ["O"] * n_tokens
    for s, e, label in spans:
        tags[s] = _TAGS.setdefault(("B", label), f"B-{label}")
        inside = _TAGS.setdefault(("I", label), f"I-{label}")
        for i in range(s + 1, e):
            tags[i] = inside
    return tags


@dataclass
class NervaluateInputs:
    """nervaluate's dict-loader inputs (inclusive end offsets, as annot's tests convert them) and its tags."""

    true: list[list[dict[str, Any]]] = field(default_factory=list)
    pred: list[list[dict[str, Any]]] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)


def nervaluate_inputs(pairs: Iterable[Pair]) -> NervaluateInputs:
    """One list of mentions per document, ``end`` inclusive; the tags are the labels of the data (as annot
    scores outside a project)."""
    out = NervaluateInputs()
    labels: set[str] = set()
    for gold, pred in pairs:
        for side, doc in ((out.true, gold), (out.pred, pred)):
            side.append([{"label": e["label"], "start": e["start"], "end": e["end"] - 1} for e in doc["entities"]])
            labels.update(e["label"] for e in doc["entities"])
    out.tags = sorted(labels)
    return out


def nervaluate_call(inputs: NervaluateInputs) -> Callable[[], dict[str, Any]]:
    """The timed call: ``Evaluator(...).evaluate()`` (nervaluate imported beforehand)."""
    from nervaluate import Evaluator

    return lambda: Evaluator(inputs.true, inputs.pred, tags=inputs.tags, loader="dict").evaluate()


def nervaluate_summary(result: dict[str, Any]) -> dict[str, Any]:
    """nervaluate's counts in annot's terms: {"micro": {scheme: [...]}, "per_label": {label: {scheme: [...]}}}."""

    def counts(r: Any) -> list[int]:
        return [r.correct, r.incorrect, r.partial, r.missed, r.spurious]

    overall = result["overall"]
    return {
        "micro": {s: counts(overall[NERVALUATE_SCHEME[s]]) for s in SCHEMES if NERVALUATE_SCHEME[s] in overall},
        "per_label": {
            label: {s: counts(by[NERVALUATE_SCHEME[s]]) for s in SCHEMES} for label, by in result["entities"].items()
        },
    }


def seqeval_inputs(pairs: Iterable[Pair]) -> tuple[list[list[str]], list[list[str]]]:
    """IOB2 tag sequences of the whitespace tokens, gold and predicted."""
    y_true, y_pred = [], []
    for gold, pred in pairs:
        n, spans = token_spans(gold)
        y_true.append(iob2(n, spans))
        n, spans = token_spans(pred)
        y_pred.append(iob2(n, spans))
    return y_true, y_pred


def seqeval_call(inputs: tuple[list[list[str]], list[list[str]]]) -> Callable[[], dict[str, Any]]:
    """The timed call: strict IOB2 ``classification_report(..., output_dict=True)`` (seqeval imported beforehand)."""
    from seqeval.metrics import classification_report
    from seqeval.scheme import IOB2

    y_true, y_pred = inputs
    return lambda: classification_report(y_true, y_pred, mode="strict", scheme=IOB2, output_dict=True, zero_division=0)


def seqeval_summary(report: dict[str, Any]) -> dict[str, Any]:
    """{"micro": [p, r, f1], "per_label": {label: [p, r, f1, support]}}."""
    averages = {"micro avg", "macro avg", "weighted avg"}
    micro = report["micro avg"]
    return {
        "micro": [float(micro["precision"]), float(micro["recall"]), float(micro["f1-score"])],
        "per_label": {
            label: [float(v["precision"]), float(v["recall"]), float(v["f1-score"]), int(v["support"])]
            for label, v in report.items()
            if label not in averages
        },
    }


def spacy_inputs(pairs: Iterable[Pair]) -> list[tuple[Any, Any]]:
    """(predicted, reference) spaCy docs of a blank English pipeline on the whitespace tokens, ents by char_span."""
    import spacy
    from spacy.tokens import Doc as SpacyDoc

    nlp = spacy.blank("en")
    out = []

    def make(doc: Doc) -> Any:
        words = doc["text"].split(" ")
        sdoc = SpacyDoc(nlp.vocab, words=words, spaces=[True] * (len(words) - 1) + [False])
        spans = [sdoc.char_span(e["start"], e["end"], label=e["label"]) for e in doc["entities"]]
        if any(s is None for s in spans):
            raise ValueError(f"{doc['id']}: a mention does not fall on spaCy token boundaries")
        sdoc.ents = spans
        return sdoc

    for gold, pred in pairs:
        out.append((make(pred), make(gold)))
    return out


def spacy_call(docs: list[tuple[Any, Any]]) -> Callable[[], dict[str, Any]]:
    """The timed call: ``Scorer.score_spans(examples, "ents")`` on fresh Examples (an Example caches its
    alignment, so each timed run gets new ones, made beforehand)."""
    from spacy.scorer import Scorer
    from spacy.training import Example

    examples = [Example(pred, gold) for pred, gold in docs]
    return lambda: Scorer.score_spans(examples, "ents")


def spacy_summary(scores: dict[str, Any]) -> dict[str, Any]:
    """{"micro": [p, r, f], "per_label": {label: [p, r, f]}}."""
    per_type = scores.get("ents_per_type") or {}
    return {
        "micro": [scores.get("ents_p") or 0.0, scores.get("ents_r") or 0.0, scores.get("ents_f") or 0.0],
        "per_label": {label: [v["p"], v["r"], v["f"]] for label, v in per_type.items()},
    }


@dataclass(frozen=True)
class Reference:
    """A reference scorer: its inputs from documents (not timed); `prepare` makes, from the inputs, the call to
    time (imports and per-run objects made beforehand); its result in plain JSON; the comparison with annot's."""

    name: str
    timed: str
    build: Callable[[Iterable[Pair]], Any]
    prepare: Callable[[Any], Callable[[], Any]]
    summarize: Callable[[Any], dict[str, Any]]
    compare: Callable[[dict[str, Any], dict[str, Any]], list[str]]
    package: str


# ------------------------------------------------------------------ comparisons


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= TOLERANCE * max(1.0, abs(a), abs(b))


def compare_nervaluate(annot: dict[str, Any], ref: dict[str, Any]) -> list[str]:
    """Mismatches of the SemEval counts, micro and per label, all four schemes (nervaluate's ent_type = type)."""
    out = []
    for s in SCHEMES:
        a, r = annot["micro"][s], ref["micro"].get(s, [0] * 5)
        if a != r:
            out.append(f"micro {s}: annot {dict(zip(COUNT_KEYS, a))} nervaluate {dict(zip(COUNT_KEYS, r))}")
    for label in sorted(set(annot["per_label"]) | set(ref["per_label"])):
        for s in SCHEMES:
            a = annot["per_label"].get(label, {}).get(s, [0] * 5)
            r = ref["per_label"].get(label, {}).get(s, [0] * 5)
            if a != r:
                out.append(f"{label} {s}: annot {dict(zip(COUNT_KEYS, a))} nervaluate {dict(zip(COUNT_KEYS, r))}")
    return out


def _compare_prf(annot: dict[str, Any], ref: dict[str, Any], tool: str, support: bool) -> list[str]:
    """Strict P/R/F1 (from annot's counts) micro and per label; with `support`, the gold count per label too."""
    out = []
    mine = strict_prf(annot["micro"]["strict"])
    if not all(_close(a, b) for a, b in zip(mine, ref["micro"])):
        out.append(f"micro strict P/R/F1: annot {mine} {tool} {tuple(ref['micro'])}")
    for label in sorted(set(annot["per_label"]) | set(ref["per_label"])):
        counts = annot["per_label"].get(label, {}).get("strict", [0] * 5)
        theirs = ref["per_label"].get(label)
        if theirs is None:
            if any(counts):
                out.append(f"{label}: annot has {dict(zip(COUNT_KEYS, counts))}, {tool} has no such label")
            continue
        mine = strict_prf(counts)
        if not all(_close(a, b) for a, b in zip(mine, theirs[:3])):
            out.append(f"{label} strict P/R/F1: annot {mine} {tool} {tuple(theirs[:3])}")
        possible = counts[0] + counts[1] + counts[2] + counts[3]
        if support and possible != theirs[3]:
            out.append(f"{label} support: annot possible {possible} {tool} support {theirs[3]}")
    return out


def compare_seqeval(annot: dict[str, Any], ref: dict[str, Any]) -> list[str]:
    return _compare_prf(annot, ref, "seqeval", support=True)


def compare_spacy(annot: dict[str, Any], ref: dict[str, Any]) -> list[str]:
    return _compare_prf(annot, ref, "spaCy", support=False)


REFERENCES: dict[str, Reference] = {
    "nervaluate": Reference(
        "nervaluate",
        "Evaluator(...).evaluate()",
        nervaluate_inputs,
        nervaluate_call,
        nervaluate_summary,
        compare_nervaluate,
        "nervaluate",
    ),
    "seqeval": Reference(
        "seqeval",
        "classification_report(strict IOB2)",
        seqeval_inputs,
        seqeval_call,
        seqeval_summary,
        compare_seqeval,
        "seqeval",
    ),
    "spacy": Reference(
        "spaCy",
        'Scorer.score_spans(examples, "ents")',
        spacy_inputs,
        spacy_call,
        spacy_summary,
        compare_spacy,
        "spacy",
    ),
}


def score_in_process(name: str, pairs: Iterable[Pair]) -> dict[str, Any]:
    """A reference's summary computed here (no timing): what the worker computes, for tests."""
    ref = REFERENCES[name]
    return ref.summarize(ref.prepare(ref.build(pairs))())


# ------------------------------------------------------------------ events: an independent count


def event_items(doc: Doc) -> dict[str, Counter[tuple[Any, ...]]]:
    """The multiset each event level compares (docs/reference/metrics.md, "Event levels"), for one document.

    trigger_identification: trigger offsets; trigger_classification: + event type; argument_identification:
    (event type, argument offsets); argument_classification: + role; the anchored levels add the trigger offsets.
    """
    spans = {e["id"]: (e["start"], e["end"]) for e in doc["entities"]}
    items: dict[str, Counter[tuple[Any, ...]]] = {level: Counter() for level in LEVELS}
    for ev in doc["events"]:
        trigger = (ev["trigger"]["start"], ev["trigger"]["end"])
        items["trigger_identification"][trigger] += 1
        items["trigger_classification"][(*trigger, ev["type"])] += 1
        for a in ev["arguments"]:
            arg = (ev["type"], *spans[a["entity"]])
            items["argument_identification"][arg] += 1
            items["argument_classification"][(*arg, a["role"])] += 1
            items["argument_identification_anchored"][(*trigger, *arg)] += 1
            items["argument_classification_anchored"][(*trigger, *arg, a["role"])] += 1
    return items


class EventTally:
    """(matched, predicted, gold) per event level, summed over documents: matched is the size of the multiset
    intersection of a document's gold and predicted items."""

    def __init__(self) -> None:
        self.counts: dict[str, list[int]] = {level: [0, 0, 0] for level in LEVELS}

    def add(self, gold: Doc, pred: Doc) -> None:
        g, p = event_items(gold), event_items(pred)
        for level in LEVELS:
            c = self.counts[level]
            c[0] += sum(min(n, p[level][k]) for k, n in g[level].items() if k in p[level])
            c[1] += sum(p[level].values())
            c[2] += sum(g[level].values())


def event_levels(pairs: Iterable[Pair]) -> dict[str, list[int]]:
    """{level: [matched, predicted, gold]} of all documents."""
    tally = EventTally()
    for gold, pred in pairs:
        tally.add(gold, pred)
    return tally.counts


def compare_events(annot: dict[str, list[int]], ref: dict[str, list[int]]) -> list[str]:
    """Mismatches of (matched, predicted, gold) per event level."""
    return [
        f"{level}: annot (matched, predicted, gold) {annot[level]} count {ref[level]}"
        for level in LEVELS
        if annot[level] != ref[level]
    ]


def compare_reports(a: dict[str, Any], b: dict[str, Any]) -> list[str]:
    """Two annot reports on the same data (say, other --bootstrap) must have the same counts."""
    out = []
    ea, eb = report_entity_counts(a), report_entity_counts(b)
    if ea != eb:
        out.append("entity counts differ")
    va, vb = report_event_counts(a), report_event_counts(b)
    out += [f"{lv}: {va[lv]} vs {vb[lv]}" for lv in LEVELS if va[lv] != vb[lv]]
    return out


# ------------------------------------------------------------------ import: what was written


def canonical(doc: Doc) -> tuple[Any, ...]:
    """What an import must keep of a document, independent of ids and order: entities, events, arguments."""
    spans = {e["id"]: (e["start"], e["end"]) for e in doc["entities"]}
    ents = tuple(sorted((e["start"], e["end"], e["label"]) for e in doc["entities"]))
    events = tuple(
        sorted(
            (
                ev["type"],
                ev["trigger"]["start"],
                ev["trigger"]["end"],
                tuple(sorted((a["role"], *spans[a["entity"]]) for a in ev["arguments"])),
            )
            for ev in doc["events"]
        )
    )
    return doc["sha256"], ents, events


def check_import(written: Path, expected: Iterable[Doc]) -> tuple[list[str], dict[str, int]]:
    """Compare an imported JSONL file with the gold documents the export was made from: (mismatches, totals)."""
    want = {d["id"]: canonical(d) for d in expected}
    got: dict[str, tuple[Any, ...]] = {}
    totals = Counter[str]()
    with open(written, encoding="utf-8") as f:
        for line in f:
            doc = json.loads(line)
            got[doc["id"]] = canonical(doc)
            totals["documents"] += 1
            totals["entities"] += len(doc["entities"])
            totals["events"] += len(doc["events"])
            totals["arguments"] += sum(len(ev["arguments"]) for ev in doc["events"])
    out = []
    if set(got) != set(want):
        out.append(f"documents: wrote {len(got)}, expected {len(want)} ({len(set(want) - set(got))} missing)")
    out += [
        f"{doc_id}: imported annotations differ from the export's"
        for doc_id in sorted(want)
        if doc_id in got and got[doc_id] != want[doc_id]
    ]
    return out, dict(totals)


# ------------------------------------------------------------------ one size


@dataclass
class Row:
    """One line of a size's table."""

    tool: str
    seconds: float  # with `stopped`: when it was stopped
    spans: int
    peak_mb: float
    stopped: str = ""  # why the run was stopped at a limit
    cpu_seconds: float = 0.0
    load: float = 0.0


@dataclass
class SizeResult:
    """Everything measured and checked at one size."""

    n_spans: int
    corpus: dict[str, int] = field(default_factory=dict)
    rows: list[Row] = field(default_factory=list)
    agreement: dict[str, list[str]] = field(default_factory=dict)  # check -> mismatches ([] = agrees)
    failures: list[str] = field(default_factory=list)  # runs that failed (exit code, missing output)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures and not any(self.agreement.values())


@dataclass(frozen=True)
class Options:
    """What to run at each size."""

    bootstraps: tuple[int, ...] = (0, 1000)
    repeats: int = 1
    only: frozenset[str] = frozenset(TOOLS)
    skip_import: bool = False
    limits: Limits = Limits()
    seed: int = 13


def generate(folder: Path, n_spans: int, seed: int) -> tuple[Path, Path, dict[str, int], dict[str, list[int]]]:
    """Write gold.jsonl and pred.jsonl of `n_spans` gold mentions; returns the paths, corpus sizes and the
    independent event-level counts (computed while writing, so the corpus is never all in memory)."""
    gold_path, pred_path = folder / "gold.jsonl", folder / "pred.jsonl"
    sizes = Counter[str]()
    tally = EventTally()
    with open(gold_path, "w", encoding="utf-8") as g, open(pred_path, "w", encoding="utf-8") as p:
        for gold, pred in synthetic.iter_corpus(n_spans, seed):
            assert pred is not None
            g.write(json.dumps(gold, ensure_ascii=False) + "\n")
            p.write(json.dumps(pred, ensure_ascii=False) + "\n")
            tally.add(gold, pred)
            sizes["documents"] += 1
            sizes["gold spans"] += len(gold["entities"])
            sizes["predicted spans"] += len(pred["entities"])
            sizes["gold events"] += len(gold["events"])
            sizes["gold arguments"] += sum(len(ev["arguments"]) for ev in gold["events"])
            sizes["tokens"] += gold["text"].count(" ") + 1
    return gold_path, pred_path, dict(sizes), tally.counts


def run_annot_evaluate(
    gold: Path, pred: Path, out: Path, bootstrap: int, cwd: Path, limits: Limits = Limits()
) -> tuple[Measured, dict[str, Any] | None]:
    """`annot evaluate` as a whole process from `cwd`; (measurement, report.json or None if it failed)."""
    shutil.rmtree(out, ignore_errors=True)
    cmd = annot_command("evaluate", "--gold", gold, "--pred", pred, "-o", out, "--bootstrap", bootstrap)
    m = run_measured(cmd, cwd=cwd, log=out.with_suffix(".log"), limits=limits)
    report_file = out / "report.json"
    if m.exit_code != 0 or m.stopped or not report_file.is_file():
        return m, None
    return m, json.loads(report_file.read_text(encoding="utf-8"))


def run_import(export: Path, output: Path, cwd: Path, limits: Limits = Limits()) -> Measured:
    """`annot import EXPORT -o OUTPUT` (with the project's schema) as a whole process from `cwd`."""
    output.unlink(missing_ok=True)
    cmd = annot_command("import", export, "-o", output, "--schema", SCHEMA_FILE)
    return run_measured(cmd, cwd=cwd, log=output.with_suffix(".log"), limits=limits)


def run_reference(
    name: str, gold: Path, pred: Path, folder: Path, repeats: int, limits: Limits
) -> tuple[Measured, dict[str, Any] | None]:
    """A reference scorer in a worker process; (measurement of the worker, its result or None)."""
    result = folder / f"{name}.result.json"
    result.unlink(missing_ok=True)
    cmd = [sys.executable, __file__, "--worker", name, "--gold", str(gold), "--pred", str(pred)]
    cmd += ["--repeats", str(repeats), "--result", str(result)]
    m = run_measured(cmd, cwd=folder, log=folder / f"{name}.log", limits=limits)
    if m.exit_code != 0 or m.stopped or not result.is_file():
        return m, None
    return m, json.loads(result.read_text(encoding="utf-8"))


def worker(name: str, gold: Path, pred: Path, repeats: int, result: Path) -> int:
    """In a worker process: build the inputs, time the scoring call `repeats` times (wall and CPU seconds),
    write the times and the summary."""
    ref = REFERENCES[name]
    state = ref.build(read_pairs(gold, pred))
    gc.collect()
    seconds, cpu, output = [], [], None
    for _ in range(repeats):
        call = ref.prepare(state)
        gc.collect()
        started, started_cpu = time.perf_counter(), time.process_time()
        output = call()
        seconds.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
        del call
    summary = ref.summarize(output)
    result.write_text(json.dumps({"seconds": seconds, "cpu_seconds": cpu, "summary": summary}), encoding="utf-8")
    return 0


def _best(runs: list[Measured]) -> Measured:
    """The fastest run, with the largest peak and load of all runs."""
    best = min(runs, key=lambda m: m.seconds)
    return Measured(
        best.seconds,
        max(m.peak_mb for m in runs),
        best.polled_mb,
        best.maxrss_mb,
        best.exit_code,
        cpu_seconds=best.cpu_seconds,
        load=max(m.load for m in runs),
    )


def _failed(m: Measured, what: str, log: Path) -> str:
    tail = log.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-3:] if log.is_file() else []
    return f"{what}: exit code {m.exit_code}" + (f" ({' / '.join(tail)})" if tail else "")


def run_size(n_spans: int, folder: Path, options: Options) -> SizeResult:
    """Generate, measure and check one size in `folder`."""
    res = SizeResult(n_spans)
    folder.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    gold, pred, res.corpus, expected_events = generate(folder, n_spans, options.seed)
    res.notes.append(f"generated in {time.perf_counter() - started:.1f} s")
    gc.collect()

    annot_counts: dict[str, Any] | None = None
    reports: dict[int, dict[str, Any]] = {}
    if "annot" in options.only:
        for b in options.bootstraps:
            runs = []
            for _ in range(options.repeats):
                out = folder / f"annot-b{b}"
                m, report = run_annot_evaluate(gold, pred, out, b, folder, options.limits)
                runs.append(m)
                if m.stopped:
                    res.rows.append(
                        Row(
                            f"annot evaluate --bootstrap {b} (whole process)",
                            m.seconds,
                            n_spans,
                            m.peak_mb,
                            m.stopped,
                            load=m.load,
                        )
                    )
                    break
                if report is None:
                    res.failures.append(_failed(m, f"annot evaluate --bootstrap {b}", out.with_suffix(".log")))
                    break
                reports[b] = report
            else:
                best = _best(runs)
                res.rows.append(
                    Row(
                        f"annot evaluate --bootstrap {b} (whole process)",
                        best.seconds,
                        n_spans,
                        best.peak_mb,
                        cpu_seconds=best.cpu_seconds,
                        load=best.load,
                    )
                )
            del report
            gc.collect()
        if reports:
            first = next(iter(reports.values()))
            annot_counts = report_entity_counts(first)
            if "events" in options.only:
                res.agreement["events (independent multiset count)"] = compare_events(
                    report_event_counts(first), expected_events
                )
            if len(reports) > 1:
                res.agreement["annot runs with each --bootstrap"] = [
                    f"--bootstrap {b}: {x}" for b, r in reports.items() for x in compare_reports(first, r)
                ]
        reports.clear()
        gc.collect()

    for name, ref in REFERENCES.items():
        if name not in options.only:
            continue
        m, result = run_reference(name, gold, pred, folder, options.repeats, options.limits)
        version = metadata.version(ref.package)
        title = f"{ref.name} {version} {ref.timed}"
        if m.stopped:
            res.rows.append(Row(title, m.seconds, n_spans, m.peak_mb, m.stopped, load=m.load))
            continue
        if result is None:
            res.failures.append(_failed(m, ref.name, folder / f"{name}.log"))
            continue
        fastest = min(range(len(result["seconds"])), key=result["seconds"].__getitem__)
        res.rows.append(
            Row(
                title,
                result["seconds"][fastest],
                n_spans,
                m.peak_mb,
                cpu_seconds=result["cpu_seconds"][fastest],
                load=m.load,
            )
        )
        if annot_counts is not None:
            res.agreement[ref.name] = ref.compare(annot_counts, result["summary"])
        else:
            res.notes.append(f"{ref.name}: agreement not checked (no report.json of annot at this size)")

    if "import" in options.only and not options.skip_import:
        _measure_import(res, folder, n_spans, options)
    return res


def _measure_import(res: SizeResult, folder: Path, n_spans: int, options: Options) -> None:
    """Write the size's Label Studio export, time `annot import` on it and check what it wrote."""
    n_tasks = synthetic.export_size(n_spans)
    docs = synthetic.export_corpus(n_tasks, options.seed + 1)
    export = folder / "export.json"
    synthetic.write_export(export, synthetic.iter_export(docs, seed=options.seed))
    regions = sum(len(d["entities"]) + len(d["events"]) for d in docs)
    mb = export.stat().st_size / 1e6
    runs = []
    written = folder / "imported.jsonl"
    for _ in range(options.repeats):
        m = run_import(export, written, folder, options.limits)
        runs.append(m)
        if m.stopped or m.exit_code != 0:
            break
    title = f"annot import ({n_tasks:,} tasks, {regions / n_tasks:.0f} regions each, {mb:.1f} MB; whole process)"
    last = runs[-1]
    if last.stopped:
        res.rows.append(Row(title, last.seconds, regions, last.peak_mb, last.stopped, load=last.load))
        return
    if last.exit_code != 0 or not written.is_file():
        res.failures.append(_failed(last, "annot import", written.with_suffix(".log")))
        return
    best = _best(runs)
    res.rows.append(Row(title, best.seconds, regions, best.peak_mb, cpu_seconds=best.cpu_seconds, load=best.load))
    mismatches, totals = check_import(written, docs)
    res.agreement["annot import (documents, entities, events, arguments written)"] = mismatches
    res.notes.append("import wrote " + ", ".join(f"{v:,} {k}" for k, v in totals.items()) + f" from {n_tasks:,} tasks")


# ------------------------------------------------------------------ output


def row_cells(res: SizeResult) -> list[list[str]]:
    """Tool, wall s, CPU s, spans/s, peak MB and speed relative to nervaluate of each row (a stopped run: its
    time and memory as bounds, and why)."""
    base = next((r.seconds for r in res.rows if r.tool.startswith("nervaluate") and not r.stopped), None)
    out = []
    for r in res.rows:
        if r.stopped:
            out.append([f"{r.tool} — {r.stopped}", f"> {_seconds(r.seconds)}", "—", f"< {_int(r.spans / r.seconds)}"])
            out[-1] += [f"≥ {_int(r.peak_mb)}", "—"]
            continue
        ratio = f"{base / r.seconds:.2f}x" if base and not r.tool.startswith("annot import") else "—"
        cells = [r.tool, _seconds(r.seconds), _seconds(r.cpu_seconds), _int(r.spans / r.seconds), _int(r.peak_mb)]
        out.append([*cells, ratio])
    return out


def size_table(res: SizeResult) -> str:
    """The Markdown table and the agreement lines of one size."""
    c = res.corpus
    head = (
        f"### {size_label(res.n_spans)} gold entity spans\n\n"
        f"{c.get('documents', 0):,} documents, {c.get('tokens', 0):,} tokens, {c.get('gold spans', 0):,} gold and "
        f"{c.get('predicted spans', 0):,} predicted entity spans, {c.get('gold events', 0):,} gold events with "
        f"{c.get('gold arguments', 0):,} arguments\n"
    )
    lines = [head, "| tool | wall s | cpu s | spans/s | peak MB | vs nervaluate |", "|---|---:|---:|---:|---:|---:|"]
    lines += ["| " + " | ".join(cells) + " |" for cells in row_cells(res)]
    lines.append("")
    for name, mismatches in res.agreement.items():
        shown = "; ".join(mismatches[:5]) + (f"; and {len(mismatches) - 5} more" if len(mismatches) > 5 else "")
        lines.append(f"- agreement, {name}: " + ("OK" if not mismatches else f"DISAGREES: {shown}"))
    lines += [f"- FAILED: {f}" for f in res.failures]
    lines += [f"- {n}" for n in res.notes]
    if res.rows:
        loads = [r.load for r in res.rows]
        lines.append(
            f"- 1-minute load average during the runs: {min(loads):.2f} to {max(loads):.2f} on {os.cpu_count()} cores "
            "(a measured run alone makes about 1)"
        )
    return "\n".join(lines) + "\n"


def summary_table(results: list[SizeResult]) -> str:
    """All sizes in one table."""
    lines = [
        "| spans | tool | wall s | cpu s | spans/s | peak MB | vs nervaluate |",
        "|---:|---|---:|---:|---:|---:|---:|",
    ]
    for res in results:
        lines += [f"| {size_label(res.n_spans)} | " + " | ".join(cells) + " |" for cells in row_cells(res)]
    return "\n".join(lines) + "\n"


def _git(*args: str) -> str:
    try:
        return subprocess.run(
            ["git", "-C", str(ROOT), *args], capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ""


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def machine() -> str:
    """CPU model, cores, memory, OS, Python, the libraries' versions and annot's checkout."""
    cpu = platform.processor() or platform.machine()
    memory = ""
    try:
        info = Path("/proc/cpuinfo").read_text()
        cpu = next((ln.split(":", 1)[1].strip() for ln in info.splitlines() if ln.startswith("model name")), cpu)
        mem_kb = next(
            ln.split()[1] for ln in Path("/proc/meminfo").read_text().splitlines() if ln.startswith("MemTotal")
        )
        memory = f", {int(mem_kb) / 1e6:.1f} GB RAM"
    except (OSError, StopIteration):
        pass
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    head = _git("rev-parse", "--short", "HEAD") or "unknown"
    engine = _git("log", "-1", "--format=%h", "--", "annot") or "unknown"  # the last commit that changed annot/
    dirty = " with uncommitted changes" if _git("status", "--porcelain", "--untracked-files=no", "--", "annot") else ""
    libs = ", ".join(f"{p} {_version(p)}" for p in ("nervaluate", "seqeval", "spacy", "numpy", "msgspec", "psutil"))
    try:
        import psutil  # type: ignore[import-untyped]  # noqa: F401

        poll = "psutil"
    except ImportError:
        poll = "/proc"
    return (
        f"Machine: {cpu}, {os.cpu_count()} cores ({usable} usable){memory}, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}; annot {checkout_version()} from {ROOT}: engine of commit {engine}{dirty} "
        f"(checkout at {head}); "
        f"{libs}; memory polled every {POLL_SECONDS * 1000:.0f} ms via {poll}."
    )


# ------------------------------------------------------------------ command line


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--sizes", nargs="+", default=["10k", "100k", "1m"], help="gold entity spans per size (10k, 1m)")
    ap.add_argument("--bootstrap", nargs="+", type=int, default=[0, 1000], help="annot evaluate --bootstrap values")
    ap.add_argument("--repeats", type=int, default=1, help="runs per measurement; the best is kept")
    ap.add_argument("--work", type=Path, help="work folder (kept; default: a temporary folder, removed)")
    ap.add_argument("--only", default=",".join(TOOLS), help=f"comma-separated subset of {','.join(TOOLS)}")
    ap.add_argument("--skip-import", action="store_true", help="do not time annot import")
    ap.add_argument("--max-mb", type=float, default=6000, help="stop a process tree above this memory, MB (0: never)")
    ap.add_argument("--max-seconds", type=float, default=900, help="stop a process after this long (0: never)")
    ap.add_argument("--seed", type=int, default=13, help="seed of the synthetic corpora")
    ap.add_argument("--worker", choices=sorted(REFERENCES), help=argparse.SUPPRESS)
    ap.add_argument("--gold", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--pred", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--result", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    unknown = set(args.only.split(",")) - set(TOOLS)
    if unknown:
        ap.error(f"--only: unknown {', '.join(sorted(unknown))} (choose from {', '.join(TOOLS)})")
    if args.repeats < 1:
        ap.error("--repeats must be at least 1")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.worker:
        return worker(args.worker, args.gold, args.pred, args.repeats, args.result)
    sizes = [parse_size(s) for s in args.sizes]
    options = Options(
        bootstraps=tuple(args.bootstrap),
        repeats=args.repeats,
        only=frozenset(args.only.split(",")),
        skip_import=args.skip_import,
        limits=Limits(args.max_mb, args.max_seconds),
        seed=args.seed,
    )
    work = args.work.resolve() if args.work else Path(tempfile.mkdtemp(prefix="annot-bench-"))
    if project := inside_project(work):
        print(f"error: --work {work} is inside the project {project}; annot would use its schema", file=sys.stderr)
        return 2
    work.mkdir(parents=True, exist_ok=True)
    if (where := annot_location(work)) != ROOT / "annot":
        print(f"error: the measured processes would import annot from {where}, not {ROOT / 'annot'}", file=sys.stderr)
        if not args.work:
            shutil.rmtree(work, ignore_errors=True)
        return 2
    print(
        f"# annot scale benchmark\n\ncommand: python benchmarks/bench_scale.py {' '.join(sys.argv[1:])}\n", flush=True
    )
    results = []
    try:
        for n in sizes:
            res = run_size(n, work / size_label(n), options)
            results.append(res)
            print(size_table(res), flush=True)
            gc.collect()
    finally:
        if not args.work:
            shutil.rmtree(work, ignore_errors=True)
    print("## All sizes\n")
    print(summary_table(results))
    print(
        "wall s: annot = the whole process (start-up, reading, scoring, writing report.json/.md/.html); "
        "references = the timed scoring call only, inputs built beforehand. cpu s: user + system seconds of the same "
        "(annot: of its process). MB = 10^6 bytes. spans/s = gold entity spans / wall s "
        "(import: regions / s). peak MB = largest memory of the process tree: the sum of its processes' proportional "
        "set sizes (shared pages counted once), or the largest process's ru_maxrss if larger (references: including "
        "their inputs). vs nervaluate = nervaluate's seconds / the tool's seconds (above 1: faster).\n"
    )
    print(machine())
    ok = all(r.ok for r in results)
    unchecked = [
        size_label(r.n_spans)
        for r in results
        if not any(k in r.agreement for k in ("nervaluate", "seqeval", "spaCy", "events (independent multiset count)"))
    ]
    if not ok:
        print("\nSOME CHECKS FAILED (see above)")
    else:
        print(
            "\nevery agreement check that ran passed"
            + (f"; not checked against annot at {', '.join(unchecked)} (no annot report)" if unchecked else "")
        )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
