"""The labeling config generated from the schema: committed, parsed by label-studio-sdk, checked for drift."""

from __future__ import annotations

from annot.labelstudio.config import check_labeling_config, labeling_config

from support import ROOT


def test_config_committed_labeling_config_is_generated_from_schema(schema):
    committed = (ROOT / "configs" / "labeling_config.xml").read_text(encoding="utf-8")
    assert committed == labeling_config(schema), "run: annot schema config"
    assert check_labeling_config(schema, committed) == []


def test_config_labeling_config_parses_with_label_studio_sdk(schema):
    from label_studio_sdk.label_interface import LabelInterface

    li = LabelInterface((ROOT / "configs" / "labeling_config.xml").read_text(encoding="utf-8"))
    assert set(li.get_control("entity").labels) == set(schema.entities)
    assert set(li.get_control("trigger").labels) == set(schema.events)
    assert li.get_object("text").tag == "Text"
    # A prediction in annot's shape validates against the config.
    pred = {
        "result": [
            {
                "id": "a",
                "from_name": "entity",
                "to_name": "text",
                "type": "labels",
                "value": {"start": 0, "end": 4, "text": "NATO", "labels": ["ORG"]},
            }
        ]
    }
    assert li.validate_prediction(pred, return_errors=True) == []


def test_config_labeling_config_has_distinct_colours_and_hotkeys(schema):
    xml = labeling_config(schema)
    assert "HyperText" not in xml
    colours = [t.color for t in [*schema.entities.values(), *schema.events.values()]]
    hotkeys = [t.hotkey for t in [*schema.entities.values(), *schema.events.values()]]
    assert len(set(colours)) == len(colours)
    assert len(set(hotkeys)) == len(hotkeys)
    for role in schema.roles:
        assert f'<Relation value="{role}" />' in xml


def test_config_check_labeling_config_detects_drift(schema):
    xml = labeling_config(schema).replace('value="PER"', 'value="PERSON"')
    problems = check_labeling_config(schema, xml)
    assert any("entity labels differ" in p for p in problems)
    assert check_labeling_config(schema, "<View><HyperText name='text' value='$text'/></View>")[0].endswith(
        "uses <HyperText>; annot's offsets are defined on <Text>"
    )
