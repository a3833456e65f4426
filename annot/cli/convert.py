"""`annot convert`: brat, CoNLL, spaCy DocBin, TextEE, OneIE, DyGIE++ and annot's JSONL, in and out."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Annotated

import typer

from ..formats.common import Loss
from ..formats.conll import TagScheme
from ..formats.convert import ConvertSummary, Format
from .app import app


@app.command("convert")
def convert_cmd(
    source: Annotated[
        Path,
        typer.Argument(
            help="The corpus to convert: a brat folder, a CoNLL file, a .spacy file, a TextEE, OneIE or DyGIE++ "
            ".json file, or a .jsonl file."
        ),
    ],
    output: Annotated[
        Path, typer.Option("-o", "--output", help="Where to write: a file, or a folder for brat (replaced as a whole).")
    ],
    from_: Annotated[
        Format | None, typer.Option("--from", help="Format of SOURCE (default: inferred from its name).")
    ] = None,
    to: Annotated[
        Format | None, typer.Option("--to", help="Format of the output (default: inferred from its name).")
    ] = None,
    label_map: Annotated[
        Path | None,
        typer.Option(
            "--label-map", help="Entity labels -> other labels (TOML: [map] and ignore, as for annot predict)."
        ),
    ] = None,
    scheme: Annotated[
        TagScheme | None,
        typer.Option(
            "--scheme",
            help="CoNLL tag scheme: of a CoNLL source (default: detected; iob2 is checked strictly) or of the output (default: iob2).",
        ),
    ] = None,
    schema: Annotated[
        Path | None,
        typer.Option("--schema", help="Check labels, event types and roles against this schema (default: no check)."),
    ] = None,
    text_from: Annotated[
        Path | None,
        typer.Option(
            "--text-from",
            help="CoNLL source: take ids and texts from these documents (JSONL, same order), e.g. those it was written "
            "from; TextEE, OneIE, DyGIE++ source: the texts of the documents with the same ids.",
        ),
    ] = None,
    strict: Annotated[
        bool,
        typer.Option(
            "--strict", help="Refuse the whole run (exit 2, nothing written) where a document would be left out."
        ),
    ] = False,
    force: Annotated[
        bool,
        typer.Option(
            "--force", help="Replace a brat output folder that is not annot's own output (its files are lost)."
        ),
    ] = False,
) -> None:
    """Convert a corpus between brat, CoNLL, spaCy DocBin, TextEE, OneIE, DyGIE++ and annot's JSONL documents.

    Example: annot convert corpus/ --from brat -o gold.jsonl   (and back: annot convert gold.jsonl --to brat -o corpus/)
    """
    from ..formats.convert import convert
    from .schema import load

    summary = convert(
        source,
        output,
        from_,
        to,
        label_map=label_map,
        schema=load(schema) if schema else None,
        scheme=scheme,
        text_from=text_from,
        strict=strict,
        force=force,
    )
    for line in summary_lines(summary):
        typer.echo(line)


def summary_lines(s: ConvertSummary) -> list[str]:
    """The summary for people: what was written, then what was skipped or not carried, grouped, with a first place."""
    scheme = ""
    if s.scheme_read:
        scheme = f", tags read as {s.scheme_read.upper()}"
    lines = [f"read {s.documents_read} document(s) from {s.source} ({s.source_format.value}{scheme})"]
    written = f", {s.scheme_written.upper()} tags" if s.scheme_written else ""
    lines.append(
        f"wrote {s.documents} document(s) to {s.output} ({s.output_format.value}{written}): {s.entities} entity mentions, "
        f"{s.events} events, {s.arguments} arguments"
    )
    if s.renamed:
        old, new = s.renamed[0]
        lines.append(
            f"renamed: {len(s.renamed)} document id(s) that break annot's id rule (first: {old!r} -> {new}); "
            f"the mapping is in {s.id_map}"
        )
    for d in s.left_out:
        more = f" (and {len(d.reasons) - 1} more problem(s))" if len(d.reasons) > 1 else ""
        lines.append(f"left out: document {d.document!r}: {d.reasons[0]}{more}")
    for prefix, losses in (("skipped", s.skipped), ("warning: not written", s.not_carried)):
        groups = Counter((loss.what, loss.why) for loss in losses)
        first: dict[tuple[str, str], Loss] = {}
        for loss in losses:
            first.setdefault((loss.what, loss.why), loss)
        for (what, why), n in groups.items():
            f = first[(what, why)]
            lines.append(f"{prefix}: {n} x {what}: {why} (first: {f.where}{': ' + f.detail if f.detail else ''})")
    return lines
