"""`annot corpus`: build, verify and describe a gold corpus (gold/<corpus>/)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..project import CORPUS, project_path
from .app import group
from .schema import SchemaOpt, load, schema_file

corpus_app = group("corpus", "Build, verify and describe a gold corpus (gold/<corpus>/).")

CorpusArg = Annotated[Path | None, typer.Argument(help="The corpus folder (default: gold/news).", show_default=False)]


@corpus_app.command("build")
def corpus_build(
    corpus: CorpusArg = None,
    schema: SchemaOpt = None,
    test_share: Annotated[
        float,
        typer.Option(
            min=0.0, max=1.0, help="Share of documents new theatres (or stories) are steered to the test split."
        ),
    ] = 0.5,
) -> None:
    """Import the corpus' sources and exports into documents.jsonl; write splits and manifest.

    Example: annot corpus build gold/news
    """
    from ..corpus.store import build_corpus
    from ..jobs.stored import CEILING, write_ceilings, write_tokens

    folder = corpus or project_path(CORPUS)
    sch = load(schema)
    r = build_corpus(folder, sch, schema_file(schema), test_share)
    typer.echo(
        f"{folder}: {r.documents} documents, {r.entities} entity mentions, {r.events} events, {r.arguments} arguments"
    )
    write_tokens(folder)
    shared = write_ceilings(folder, sch)
    if any(shared.values()):
        typer.echo(
            f"human ceiling stored in {folder}/{CEILING}: "
            + ", ".join(f"{k} {v} double-annotated documents" for k, v in shared.items())
        )
    if r.new_units:
        typer.echo(f"assigned to splits for the first time: {', '.join(r.new_units)} (see {folder}/splits.json)")
    for doc_id, (was, now) in r.moved.items():
        typer.echo(f"moved {doc_id} from {was} to {now}: its theatre or story is in one split as a whole")


@corpus_app.command("verify")
def corpus_verify(corpus: CorpusArg = None, schema: SchemaOpt = None) -> None:
    """Check the corpus against its manifest (missing, extra, changed files), its splits and the schema.

    Example: annot corpus verify gold/news
    """
    from ..corpus.splits import DOCUMENTS
    from ..corpus.store import verify_corpus
    from ..jobs.stored import stale_ceilings, stale_tokens

    folder = corpus or project_path(CORPUS)
    sch = load(schema)
    stored = stale_ceilings(folder, sch) + stale_tokens(folder) if (folder / DOCUMENTS).is_file() else []
    said = verify_corpus(folder, sch, schema_file(schema), stored)
    typer.echo(said + "; stored human ceiling and token bounds current")


@corpus_app.command("stats")
def corpus_stats_cmd(corpus: CorpusArg = None) -> None:
    """Print documents, tokens, entities per type, events per type and arguments per role, per split (Markdown).

    Example: annot corpus stats gold/news
    """
    from ..corpus.stats import corpus_stats, stats_markdown

    typer.echo(stats_markdown(corpus_stats(corpus or project_path(CORPUS))), nl=False)


@corpus_app.command("check-splits")
def corpus_check_splits(
    corpus: CorpusArg = None,
    threshold: Annotated[
        float,
        typer.Option(
            "--threshold",
            min=0.0,
            max=1.0,
            metavar="SIMILARITY",
            help="Cross-split pairs at least this alike (Jaccard of three-word runs, names masked) leak.",
        ),
    ] = 0.1,
) -> None:
    """Check that the splits do not leak: no story, no theatre (meta.theatre) and no near-duplicate document in two
    splits. Exit 2 when one does; the most alike cross-split pairs are listed either way.

    Example: annot corpus check-splits gold/news
    """
    import json

    from ..corpus.similarity import check_splits
    from ..corpus.splits import DOCUMENTS, SPLITS
    from ..documents import read_documents
    from ..errors import AnnotError

    folder = corpus or project_path(CORPUS)
    declared = json.loads((folder / SPLITS).read_text(encoding="utf-8")).get("splits", {})
    split_of = {d: s for s, ids in declared.items() for d in ids}
    r = check_splits(read_documents(folder / DOCUMENTS), split_of, threshold)
    typer.echo(
        f"{folder}: {len(split_of)} documents in {len(declared)} splits; two articles of one story are "
        + (f"{r.same_story_median:.3f} alike (median)" if r.same_story_median is not None else "not there")
        + "; the most alike pairs across splits:"
    )
    for p in r.closest:
        typer.echo(f"  {p.similarity:.3f}  {p.a} ({p.split_a})  ~  {p.b} ({p.split_b})")
    if r.leaks:
        raise AnnotError(
            f"{folder}: {len(r.leaks)} pair(s) of documents leak across splits",
            "Put the documents of one story or one theatre in one split (edit splits.json's 'assigned', or the "
            "front matter's story / theatre), then: annot corpus build",
            [
                f"{p.a} ({p.split_a}) and {p.b} ({p.split_b}): "
                + ("the same story" if p.same_story else f"theatre {p.same_theatre}" if p.same_theatre else "")
                + (f"{', ' if p.same_story or p.same_theatre else ''}similarity {p.similarity:.3f}")
                for p in r.leaks
            ],
        )
    typer.echo(f"no leak: no story or theatre in two splits, no pair at {threshold:g} or more")


@corpus_app.command("check-guideline")
def corpus_check_guideline(
    guideline: Annotated[
        Path | None, typer.Argument(help="The guideline (Markdown; default: docs/guideline.md).", show_default=False)
    ] = None,
    corpus: Annotated[
        Path | None, typer.Option("--corpus", metavar="PATH", help="The corpus folder (default: gold/news).")
    ] = None,
) -> None:
    """Check that no example of the guideline is a corpus sentence with its names swapped: every `backquoted`
    example against every corpus sentence, names and mentions masked (exit 2 when one is).

    Example: annot corpus check-guideline docs/guideline.md --corpus gold/news
    """
    from ..corpus.similarity import EXAMPLE_MIN_CONTENT, EXAMPLE_THRESHOLD, example_phrases, guideline_flags
    from ..corpus.splits import DOCUMENTS
    from ..documents import read_documents
    from ..errors import AnnotError
    from ..project import GUIDELINE

    path = guideline or project_path(GUIDELINE)
    folder = corpus or project_path(CORPUS)
    text = path.read_text(encoding="utf-8")
    flags = guideline_flags(text, read_documents(folder / DOCUMENTS))
    if flags:
        raise AnnotError(
            f"{path}: {len(flags)} example(s) are nearly a corpus sentence once names are masked",
            "Invent those examples anew (another situation and wording): an annotator who learns them must not have "
            "seen the answers.",
            [f"`{f.example}` ~ {f.document}: “{f.sentence.strip()}” ({f.share:.2f})" for f in flags],
        )
    typer.echo(
        f"{path}: none of its {len(example_phrases(text))} examples is a corpus sentence of {folder} with its names "
        f"swapped (share of an example found in order under {EXAMPLE_THRESHOLD:g}, or matched words worth under "
        f"{EXAMPLE_MIN_CONTENT:g})"
    )


@corpus_app.command("ledger")
def corpus_ledger(corpus: CorpusArg = None) -> None:
    """Show every scoring of the corpus's held-out splits (ledger.jsonl): when, which system (and whether its code
    or predictions changed), the figures.

    Example: annot corpus ledger gold/news
    """
    from ..corpus.ledger import LEDGER, held_out_splits, read_ledger

    folder = corpus or project_path(CORPUS)
    held = held_out_splits(folder)
    entries = read_ledger(folder)
    typer.echo(
        f"{folder}: held-out split(s) {', '.join(held) or 'none'}; {len(entries)} distinct scoring(s) in {LEDGER}"
    )
    first: dict[tuple[str, str], str] = {}
    for e in entries:
        key = (e.split, e.system)
        changed = key in first and first[key] != e.system_sha256
        first.setdefault(key, e.system_sha256)
        f = e.figures
        typer.echo(
            f"  {e.scored_at}  {e.split} ({e.documents} docs)  {e.system}  system {e.system_sha256[:10]}"
            f"{' CHANGED' if changed else ''}  predictions {e.predictions_sha256[:10]}  strict F1 "
            f"{_fig(f.get('entities.micro.strict.f1'))}, trigger F1 {_fig(f.get('events.micro.trigger_classification.f1'))}, "
            f"argument F1 {_fig(f.get('events.micro.argument_classification.f1'))}  (annot {e.annot_version})"
        )


def _fig(x: float | None) -> str:
    return "-" if x is None else f"{x:.3f}"


@corpus_app.command("review-gold")
def corpus_review_gold(
    corpus: CorpusArg = None,
    split: Annotated[
        str | None,
        typer.Option("--split", help="Review this split's gold (default: every split but the held-out ones)."),
    ] = None,
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="Write the candidates, most confident first (JSON).")
    ] = None,
    systems: Annotated[
        list[str] | None,
        typer.Option("--system", help="Only this configured system votes (repeat; default: every one)."),
    ] = None,
    min_voters: Annotated[
        int,
        typer.Option(
            "--min-voters", min=1, max=100, help="Voters a layer needs on a document to make candidates there."
        ),
    ] = 2,
    push: Annotated[
        bool, typer.Option("--push", help="Push the documents with candidates to a review project in Label Studio.")
    ] = False,
    title: Annotated[str, typer.Option("--title", help="Title of the review project.")] = "annot gold review",
    reviewed: Annotated[
        Path | None,
        typer.Option("--reviewed", help="The review project's export: record the decisions in corrections.json."),
    ] = None,
    eval_config: Annotated[
        Path | None, typer.Option("--config", help="Evaluation config (default: configs/evaluation.toml).")
    ] = None,
    schema: SchemaOpt = None,
) -> None:
    """Find where the gold is most likely wrong: items every configured system (and a second annotator, where
    the corpus keeps one) contradicts, most confident first; --push them to a review project with the gold and
    each voter's version side by side; --reviewed records the reviewer's decisions (corrections.json).

    Example: annot corpus review-gold gold/news --split dev -o candidates.json --push
    """
    from ..errors import AnnotError
    from ..jobs.config import load_eval_config
    from ..jobs.goldreview import GOLD_VERSION, apply_review, review_gold, review_tasks, write_candidates
    from ..project import EVALUATION_CONFIG, GUIDELINE

    folder = corpus or project_path(CORPUS)
    sch = load(schema)
    if reviewed is not None:
        if push or output is not None:
            raise AnnotError("--reviewed records decisions; --push and -o find candidates", "Run them apart.")
        outcome = apply_review(folder, sch, reviewed)
        changed = sum(1 for c in outcome.decided for x in c.changes if x.change not in ("kept", "rejected"))
        typer.echo(
            f"{len(outcome.decided)} document(s) reviewed: {changed} change(s) to the gold recorded in "
            f"{outcome.record} (every item with its reason)"
        )
        if outcome.pending:
            typer.echo(f"{len(outcome.pending)} document(s) not reviewed yet: {', '.join(outcome.pending)}")
        if outcome.problems:
            typer.echo(f"{len(outcome.problems)} reviewed document(s) stay undecided; open them in the review project:")
            for problem in outcome.problems:
                typer.echo(f"  - {problem}")
        if outcome.decided:
            typer.echo(f"the gold follows the record once rebuilt: annot corpus build {folder}")
        return
    cfg = load_eval_config(eval_config or project_path(EVALUATION_CONFIG))
    server = None
    if push:  # the server checked before the systems predict (a minute on a large corpus), not after
        from ..labelstudio.client import server_from_env, verified

        server = verified(server_from_env())
    review = review_gold(folder, sch, cfg, split=split, systems=systems or (), min_voters=min_voters)
    texts = {d.id: d.text for d in review.documents}
    kinds: dict[str, int] = {}
    for c in review.candidates:
        kinds[c.kind] = kinds.get(c.kind, 0) + 1
    typer.echo(
        f"{len(review.candidates)} candidate(s) in {len(review.by_document())} of {len(review.documents)} "
        f"document(s)"
        + (f" ({', '.join(f'{n} {k}' for k, n in sorted(kinds.items()))})" if kinds else "")
        + f"; voters: {', '.join(v.name for v in review.voters)}"
    )
    for n, c in enumerate(review.candidates[:10], 1):
        typer.echo(f"  {n}. {c.document}: {c.describe(texts[c.document])}")
    if output is not None:
        write_candidates(output, review)
        typer.echo(f"wrote {output}")
    if server is not None and review.candidates:
        from ..labelstudio.client import ProjectSettings, guideline_html, push_tasks, show_predictions

        guide = project_path(GUIDELINE)
        settings = ProjectSettings(overlap=1, instructions_html=guideline_html(guide) if guide.exists() else None)
        r = push_tasks(server, review_tasks(review), sch, title=title, settings=settings, review=True)
        show_predictions(server, r.project.id, GOLD_VERSION)  # the reviewer starts from the gold, not a voter's
        typer.echo(
            f"review project {r.project.id}: {len(r.new)} new, {len(r.unchanged)} unchanged; each task lists its "
            "items with the gold's and every voter's version, to keep or drop one by one. When the reviewer is "
            f"done: annot ls pull {r.project.id} -o gold-review.json && annot corpus review-gold {folder} "
            "--reviewed gold-review.json"
        )
