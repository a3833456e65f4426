"""Systems: `annot predict` (a spaCy pipeline, optionally with annot's event extractor) and `annot train`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..errors import AnnotError
from ..project import DEFAULT_MODEL, GOLD, LABEL_MAP, MODELS, TRAIN_CONFIG, project_path
from .app import SchedulerOpt, SchedulerTimeoutOpt, app, progress, progress_to, say
from .schema import SchemaOpt, load


@app.command("predict")
def predict_cmd(
    documents: Annotated[
        list[Path],
        typer.Argument(
            help="Documents (JSONL, e.g. the gold corpus; their annotations are ignored), or articles as for "
            "`annot export`: .txt files or folders of them."
        ),
    ],
    output: Annotated[Path, typer.Option("-o", "--output", help="The prediction file to write (JSONL).")],
    model: Annotated[
        str, typer.Option("--model", help="An installed spaCy pipeline package or a path.")
    ] = DEFAULT_MODEL,
    label_map: Annotated[
        Path | None,
        typer.Option(
            "--label-map", help="Model labels -> schema labels (TOML; default: configs/label_maps/ontonotes.toml)."
        ),
    ] = None,
    schema: SchemaOpt = None,
    batch_size: Annotated[int, typer.Option(min=1, help="Documents per batch for nlp.pipe.")] = 32,
    workers: Annotated[
        int | None,
        typer.Option("--workers", min=1, help="Worker processes (forked; each runs nlp.pipe on chunks; default 1)."),
    ] = None,
    n_process: Annotated[
        int | None,
        typer.Option("--n-process", min=1, hidden=True, help="Deprecated: the old name of --workers."),
    ] = None,
    system: Annotated[str, typer.Option(help="System name written to meta.system.")] = "",
    events: Annotated[
        Path | None,
        typer.Option("--events", help="Add annot's event extractor with these rules (configs/event_extractor.toml)."),
    ] = None,
    split: Annotated[
        str | None,
        typer.Option("--split", help="Predict only this split of the documents' corpus (splits.json beside the file)."),
    ] = None,
    scheduler: SchedulerOpt = None,
    partition_size: Annotated[
        int | None,
        typer.Option(
            "--partition-size",
            min=1,
            help="Documents per task on a Dask cluster (default: about four tasks per worker thread, "
            "at most four batches each).",
        ),
    ] = None,
    scheduler_timeout: SchedulerTimeoutOpt = None,
) -> None:
    """Run a spaCy pipeline (and optionally annot's event extractor) over documents and write predictions.

    Example: annot predict gold/news/documents.jsonl -o preds.jsonl --events configs/event_extractor.toml --workers 2

    Articles as they come: annot predict articles/ -o preds.jsonl   (then: annot export articles/ --predictions preds.jsonl ...)

    One split of a corpus: annot predict gold/news/documents.jsonl --split test -o preds-test.jsonl

    On a Dask cluster: annot predict archive.jsonl -o preds.jsonl --scheduler tcp://10.0.0.5:8786
    """
    from ..cluster import scheduler_address
    from ..systems.predict import documents_to_predict, predict_file

    if n_process is not None:
        if workers is not None and workers != n_process:
            raise AnnotError(f"--workers {workers} and --n-process {n_process} disagree", "Give --workers only.")
        say("Deprecated: --n-process is now --workers (the same option as annot evaluate's).", fg="yellow", err=True)
    address = scheduler_address(scheduler)
    docs = documents_to_predict(documents, split)
    advance, stop = progress(len(docs), "predicting")
    try:
        stats = predict_file(
            docs,
            output,
            model=model,
            label_map=label_map or project_path(LABEL_MAP),
            schema=load(schema),
            events=events,
            system=system or model,
            batch_size=batch_size,
            n_process=workers or n_process or 1,
            progress=advance,
            scheduler=address,
            partition_size=partition_size,
            scheduler_timeout=scheduler_timeout,
        )
    finally:
        stop()
    where = ""
    if stats.cluster is not None:
        run = stats.cluster
        where = (
            f" (on the Dask cluster at {run.scheduler}: {run.threads} worker thread(s), {run.partitions} partition(s))"
        )
    typer.echo(
        f"wrote {stats.documents} document(s){f' of split {split}' if split else ''} with {stats.entities} entity mentions and "
        f"{stats.events} events to {output}{where}"
    )


@app.command("train")
def train_cmd(
    name: Annotated[
        str, typer.Option("--name", help="The model goes to MODELS/NAME/ (model-best, model-last, train.log).")
    ] = "ner-dev",
    gold: Annotated[
        Path | None,
        typer.Option(
            "--gold", help="Gold documents; splits.json is read from the same folder (default: the bundled corpus)."
        ),
    ] = None,
    split: Annotated[str, typer.Option("--split", help="The split to train on.")] = "dev",
    dev_split: Annotated[
        str | None,
        typer.Option(
            "--dev-split", help="Split spaCy evaluates on while training (default: hold out whole stories of --split)."
        ),
    ] = None,
    config: Annotated[
        Path | None, typer.Option("--config", help="spaCy training config (default: configs/train_ner.cfg).")
    ] = None,
    models: Annotated[Path | None, typer.Option("--models", help="Folder of trained models (default: models).")] = None,
    seed: Annotated[int, typer.Option("--seed", help="Random seed.")] = 0,
    max_epochs: Annotated[
        int | None, typer.Option("--max-epochs", min=1, help="Override the config's max_epochs.")
    ] = None,
    max_steps: Annotated[
        int | None, typer.Option("--max-steps", min=1, help="Override the config's max_steps.")
    ] = None,
    base_model: Annotated[
        str | None,
        typer.Option("--base-model", help="Fine-tune this installed pipeline instead of training from scratch."),
    ] = None,
) -> None:
    """Train a spaCy NER on a gold split, in the schema's labels, with spaCy's own training loop.

    Example: annot train --split dev --name ner-dev   (then: annot evaluate, system ner-dev in configs/evaluation.toml)
    """
    from ..systems.train import TrainOptions, train_command

    update, stop = progress_to("training")

    def report(epoch: int, max_epochs: int, step: int, score: float | None) -> None:
        if update is not None:
            update(
                epoch,
                max_epochs,
                f"epoch {epoch} of at most {max_epochs}, step {step}, development F1 {score or 0:.2f}",
            )

    try:
        options = TrainOptions(
            gold=gold or project_path(GOLD),
            split=split,
            dev_split=dev_split,
            config=config or project_path(TRAIN_CONFIG),
            seed=seed,
            max_epochs=max_epochs,
            max_steps=max_steps,
            base_model=base_model,
        )
        lines = train_command(name, options, models or project_path(MODELS), progress=report)
    finally:
        stop()
    for line in lines:
        typer.echo(line)
