from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from annot.errors import AnnotError
from annot.schema import load_schema, schema_from_dict

from support import ROOT


def test_schema_bundled_is_valid_and_covers_the_domain(schema):
    assert set(schema.entities) >= {"PER", "ORG", "GPE", "LOC", "NORP", "MIL", "DATE", "QTY"}
    families = {t.split(".")[0] for t in schema.events}
    assert {"Movement", "Conflict", "Life", "Contact"} <= families
    assert {"Movement.Deploy", "Conflict.Attack", "Life.Injure", "Contact.Meet", "Contact.Statement"} <= set(
        schema.events
    )
    for ev in schema.events.values():
        assert ev.roles, ev.name
        assert ev.guideline


def _base() -> dict:
    return tomllib.loads((ROOT / "configs" / "schema.toml").read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    "mutate, expected",
    [
        (
            lambda d: d["events"]["Movement.Deploy"]["roles"].update(Agent=["ARMY"]),
            "'ARMY' is not an entity type of this schema",
        ),
        (lambda d: d["entities"]["ORG"].update(hotkey="1"), "hotkey '1' is already used by PER"),
        (lambda d: d["entities"]["ORG"].update(color="blue"), "color 'blue' must look like '#a1b2c3'"),
        (
            lambda d: d["entities"].update(
                per={"description": "x", "guideline": "x", "color": "#000001", "hotkey": "z"}
            ),
            "entity type 'per' must be upper case",
        ),
        (lambda d: d["events"]["Life.Die"].pop("guideline"), "events.Life.Die: 'guideline' must be a non-empty string"),
        (lambda d: d.pop("version"), "'version' must be a non-empty string"),
        (lambda d: d.update(mentions={"nested": "yes"}), "mentions.nested must be true or false, got 'yes'"),
        (
            lambda d: d.update(mentions={"overlap": True}),
            "mentions.overlap: unknown key (known: nested, discontinuous)",
        ),
        (lambda d: d.update(mentions=[1]), "[mentions] must be a table (nested, discontinuous)"),
        (  # the pair the team confused: a brown LOC and a brown Life.Injure
            lambda d: (
                d["entities"]["LOC"].update(color="#b3541e"),
                d["events"]["Life.Injure"].update(color="#a34700"),
            ),
            "color #a34700 is hard to tell from #b3541e (LOC): a difference of 7.2, at least 20 (CIE76)",
        ),
    ],
)
def test_schema_invalid_reports_each_problem(mutate, expected):
    data = _base()
    mutate(data)
    with pytest.raises(AnnotError) as err:
        schema_from_dict(data, "s.toml")
    assert any(expected in p for p in err.value.problems), err.value.problems


def test_schema_missing_and_broken_files(tmp_path: Path):
    with pytest.raises(AnnotError, match="schema file not found"):
        load_schema(tmp_path / "nope.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("name = \n", encoding="utf-8")
    with pytest.raises(AnnotError, match="not valid TOML"):
        load_schema(bad)


def test_schema_role_problem(schema):
    assert schema.role_problem("Movement.Deploy", "Destination", "GPE") is None
    assert (
        schema.role_problem("Movement.Deploy", "Time", "GPE")
        == "a GPE cannot fill role 'Time' of Movement.Deploy (allowed: DATE)"
    )
    assert "not a role of Movement.Deploy" in schema.role_problem("Movement.Deploy", "Victim", "PER")


def test_schema_every_pair_of_bundled_colours_is_told_apart(schema):
    import itertools

    from annot.schema import MIN_COLOR_DISTANCE, color_distance

    colours = {t.name: t.color for t in [*schema.entities.values(), *schema.events.values()]}
    closest = min(color_distance(a, b) for a, b in itertools.combinations(colours.values(), 2))
    assert closest >= MIN_COLOR_DISTANCE
    assert color_distance(colours["LOC"], colours["Life.Injure"]) >= MIN_COLOR_DISTANCE
    assert color_distance(colours["NORP"], colours["Policy.Sanction"]) >= MIN_COLOR_DISTANCE


def test_schema_mentions_are_flat_unless_declared(schema):
    """The bundled schema declares nothing: mentions are flat and contiguous (its gold and scores unchanged); a
    [mentions] table declares nested mentions (ACE, GENIA) and discontinuous ones; an event type may fill a role
    (nested events)."""
    assert (schema.nested, schema.discontinuous) == (False, False)
    data = _base()
    data["mentions"] = {"nested": True, "discontinuous": True}
    data["events"]["Contact.Statement"]["roles"]["Topic"] = ["ORG", "Conflict.Attack"]
    nested = schema_from_dict(data, "s.toml")
    assert (nested.nested, nested.discontinuous) == (True, True)
    assert nested.role_problem("Contact.Statement", "Topic", "Conflict.Attack") is None


def test_schema_from_the_data_takes_mentions_as_they_are():
    from annot.schema import schema_from_names

    s = schema_from_names(["ORG"], {"Contact.Meet": {"Theme"}})
    assert (s.nested, s.discontinuous) == (True, True)
    assert s.role_problem("Contact.Meet", "Theme", "Contact.Meet") is None
