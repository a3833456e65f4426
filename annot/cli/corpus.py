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
        float, typer.Option(min=0.0, max=1.0, help="Share of documents new stories are steered to the test split.")
    ] = 0.5,
) -> None:
    """Import the corpus' sources and exports into documents.jsonl; write splits and manifest.

    Example: annot corpus build gold/news
    """
    from ..corpus.store import build_corpus

    folder = corpus or project_path(CORPUS)
    r = build_corpus(folder, load(schema), schema_file(schema), test_share)
    typer.echo(
        f"{folder}: {r.documents} documents, {r.entities} entity mentions, {r.events} events, {r.arguments} arguments"
    )
    if r.new_stories:
        typer.echo(f"assigned new stories to splits: {', '.join(r.new_stories)} (see {folder}/splits.json)")


@corpus_app.command("verify")
def corpus_verify(corpus: CorpusArg = None, schema: SchemaOpt = None) -> None:
    """Check the corpus against its manifest (missing, extra, changed files), its splits and the schema.

    Example: annot corpus verify gold/news
    """
    from ..corpus.store import verify_corpus

    typer.echo(verify_corpus(corpus or project_path(CORPUS), load(schema), schema_file(schema)))


@corpus_app.command("stats")
def corpus_stats_cmd(corpus: CorpusArg = None) -> None:
    """Print documents, tokens, entities per type, events per type and arguments per role, per split (Markdown).

    Example: annot corpus stats gold/news
    """
    from ..corpus.stats import corpus_stats, stats_markdown

    typer.echo(stats_markdown(corpus_stats(corpus or project_path(CORPUS))), nl=False)
