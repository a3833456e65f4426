from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
import spacy

from annot.documents import Document, Entity, read_documents, write_documents
from annot.errors import AnnotError
from annot.systems.labelmap import load_label_map
from annot.systems.predict import predict_documents
from annot.systems.train import TrainOptions, TrainResult, hold_out, to_docbin, train_command, train_ner

from support import ROOT

CONFIG = ROOT / "configs" / "train_ner.cfg"
PROGRESS: list[tuple[int, int, int, float | None]] = []  # what the training of the `trained` fixture reported
GOLD = ROOT / "gold" / "news" / "documents.jsonl"
TRAIN_IDS = [
    "sahel-aes-force-eu-sanctions-2025-11",
    "sanctions-shadow-fleet-tanker-estonia-2024-11",
    "blacksea-constanta-drone-strike-2024-09",
]
DEV_IDS = ["lebanon-south-naqoura-meeting-2025-08"]
NATO_TEXT = "NATO's commander said 700 soldiers arrived in Kosovo on Monday."
NATO = Document(
    "crafted-nato",
    NATO_TEXT,
    (Entity(0, 3, "ORG", "T1"), Entity(22, 25, "QTY", "T2"), Entity(46, 52, "GPE", "T3")),
)
NATO_MISALIGNED = "train crafted-nato [0:3] ORG 'NAT' does not align to tokens (covers 'NATO')"


def tiny_corpus(folder: Path) -> tuple[Path, Path, list[Document]]:
    """Three real gold documents and the crafted one as split 'train', one real document as 'dev'."""
    by_id = {d.id: d for d in read_documents(GOLD)}
    train = [by_id[i] for i in TRAIN_IDS] + [NATO]
    folder.mkdir(parents=True, exist_ok=True)
    gold, splits = folder / "documents.jsonl", folder / "splits.json"
    write_documents(gold, train + [by_id[i] for i in DEV_IDS])
    splits.write_text(
        json.dumps({"splits": {"train": [d.id for d in train], "dev": DEV_IDS, "empty": []}}), encoding="utf-8"
    )
    return gold, splits, train


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[TrainResult, list[Document], float]:
    gold, splits, train = tiny_corpus(tmp_path_factory.mktemp("corpus"))
    out = tmp_path_factory.mktemp("models") / "tiny"
    started = time.perf_counter()
    seen: list[tuple[int, int, int, float | None]] = []
    options = TrainOptions(gold=gold, split="train", dev_split="dev", config=CONFIG, seed=1, max_steps=30)
    result = train_ner(options, out, progress=lambda *a: seen.append(a))
    PROGRESS.extend(seen)
    return result, train, time.perf_counter() - started


def test_train_short_run_gives_a_loadable_pipeline_in_schema_labels(trained, schema):
    result, train, seconds = trained
    assert seconds < 45 and result.seconds <= seconds
    assert result.model_dir.name == "model-best" and (result.model_dir / "meta.json").is_file()
    nlp = spacy.load(result.model_dir)
    assert nlp.pipe_names == ["tok2vec", "ner"]
    ner: Any = nlp.get_pipe("ner")
    assert set(ner.labels) <= set(schema.entities)
    lmap = load_label_map(ROOT / "configs" / "label_maps" / "schema.toml", schema)
    preds = predict_documents(nlp, train, lmap, "tiny")
    assert all(e.label in schema.entities for p in preds for e in p.entities)
    assert nlp.meta["annot"]["train_split"] == "train" and nlp.meta["annot"]["dev_documents"] == DEV_IDS
    assert set(result.scores) == {"ents_f", "ents_p", "ents_r"}
    assert all(0.0 <= v <= 1.0 for v in result.scores.values())


def test_train_result_counts(trained):
    result, train, _ = trained
    assert (result.train_docs, result.dev_docs) == (4, 1)
    # every gold mention of the training documents but the misaligned one
    assert result.entities == sum(len(d.entities) for d in train) - 1
    summary = json.loads((result.model_dir.parent / "training.json").read_text(encoding="utf-8"))
    assert summary["train_docs"] == 4 and summary["model_dir"] == str(result.model_dir)
    assert (result.model_dir.parent / "corpus" / "train.spacy").is_file()


def test_train_misaligned_spans_are_reported(trained):
    result, _, _ = trained
    assert result.misaligned == [NATO_MISALIGNED]
    assert f"misaligned: {NATO_MISALIGNED}" in (result.model_dir.parent / "train.log").read_text(encoding="utf-8")


def test_train_misaligned_tokens_are_missing_not_outside():
    db, aligned, misaligned = to_docbin(spacy.blank("en"), [NATO], "train")
    assert (aligned, misaligned) == (2, [NATO_MISALIGNED])
    (doc,) = db.get_docs(spacy.blank("en").vocab)
    assert [(t.text, t.ent_iob_) for t in doc[:3]] == [("NATO", ""), ("'s", "O"), ("commander", "O")]
    assert [(e.text, e.label_) for e in doc.ents] == [("700", "QTY"), ("Kosovo", "GPE")]


def test_train_hold_out_is_deterministic_and_keeps_stories_together():
    docs = [Document(f"d{i}", "x", meta={"story": f"s{i // 2}"}) for i in range(12)]
    train, held = hold_out(docs)
    assert hold_out(list(reversed(docs)))[1] == list(reversed(held))
    assert len(held) == 4 and len(train) == 8
    assert {d.meta["story"] for d in held}.isdisjoint(d.meta["story"] for d in train)
    train, held = hold_out([Document(f"d{i}", "x") for i in range(4)])
    assert (len(train), len(held)) == (3, 1)


def test_train_bad_inputs(tmp_path: Path):
    gold, splits, _ = tiny_corpus(tmp_path / "c")
    out = tmp_path / "m"
    cases = [
        ((gold, "nope", None, CONFIG), f"{splits}: no split named 'nope' (have: dev, empty, train)"),
        ((gold, "empty", None, CONFIG), f"{splits}: split 'empty' is empty"),
        ((tmp_path / "no.jsonl", "train", None, CONFIG), f"{tmp_path / 'no.jsonl'}: gold file not found"),
        ((gold, "train", None, tmp_path / "no.cfg"), f"{tmp_path / 'no.cfg'}: training config not found"),
        ((gold, "train", "train", CONFIG), "the development split is the training split ('train')"),
    ]
    for (g, split, dev, config), message in cases:
        with pytest.raises(AnnotError) as err:
            train_ner(TrainOptions(gold=g, split=split, dev_split=dev, config=config), out)
        assert err.value.message == message
        assert err.value.hint


def test_train_invalid_config_and_unwritable_output(tmp_path: Path):
    gold, splits, _ = tiny_corpus(tmp_path / "c")
    bad = tmp_path / "bad.cfg"
    bad.write_text("[nlp\nlang = en\n", encoding="utf-8")
    with pytest.raises(AnnotError) as err:
        train_ner(TrainOptions(gold=gold, split="train", dev_split="dev", config=bad), tmp_path / "m")
    assert err.value.message.startswith(f"{bad}: invalid training config: ")
    no_ner = tmp_path / "no_ner.cfg"
    no_ner.write_text(
        CONFIG.read_text(encoding="utf-8").replace('pipeline = ["tok2vec", "ner"]', 'pipeline = ["tok2vec"]')
    )
    with pytest.raises(AnnotError) as err:
        train_ner(TrainOptions(gold=gold, split="train", dev_split="dev", config=no_ner), tmp_path / "m")
    assert (
        err.value.message == f"{no_ner}: invalid training config: no 'ner' component in [nlp] pipeline and [components]"
    )
    blocker = tmp_path / "file"
    blocker.write_text("", encoding="utf-8")
    with pytest.raises(AnnotError) as err:
        train_ner(TrainOptions(gold=gold, split="train", dev_split="dev", config=CONFIG), blocker / "model")
    assert err.value.message == f"{blocker / 'model'}: cannot write the model there (Not a directory)"


def test_train_command_rejects_a_path_as_name():
    with pytest.raises(AnnotError) as err:
        train_command("../elsewhere")
    assert err.value.message == "--name '../elsewhere': give a plain folder name, such as ner-dev"


def test_train_progress_comes_from_the_registered_spacy_logger(trained):
    """Every evaluation of spaCy's loop reaches the progress callback through annot's registered logger, which
    still lets the config's console logger write spaCy's table to train.log."""
    import spacy

    from annot.systems.train import PROGRESS_LOGGER

    result, _, _ = trained
    assert PROGRESS_LOGGER in spacy.registry.loggers
    assert PROGRESS and all(epoch >= 0 and max_epochs > 0 and step >= 0 for epoch, max_epochs, step, _ in PROGRESS)
    steps = [step for _, _, step, _ in PROGRESS]
    assert steps == sorted(steps) and steps[0] == 0  # spaCy evaluates at step 0, then every eval_frequency steps
    log = (result.model_dir.parent / "train.log").read_text(encoding="utf-8")
    assert "ENTS_F" in log  # the console table, still written by the config's own logger
    assert len([line for line in log.splitlines() if line.strip()[:1].isdigit()]) >= len(PROGRESS)
