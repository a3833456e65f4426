"""The labeling config generated from the schema: made for people (keys, colours, one label per region, words an
annotator uses), committed, parsed by label-studio-sdk, checked for drift, well-formed for any schema file."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from annot.labelstudio.config import LABEL_CONTROL, check_labeling_config, labeling_config
from annot.schema import LABEL_STUDIO_KEYS, MIN_CONTRAST, contrast_on_white, schema_from_dict

from support import ROOT


def _installed_single_keys() -> set[str]:
    """Single keys bound by the installed Label Studio editor (its keymap in the frontend bundle)."""
    import label_studio

    web = Path(label_studio.__file__).resolve().parent.parent / "web" / "dist" / "apps" / "labelstudio"
    keys = set()
    for js in web.glob("*.js"):
        for key in re.findall(
            r'"[a-z_-]+:[a-z_-]+":\{"key":"([^"]+)"', js.read_text(encoding="utf-8", errors="ignore")
        ):
            if "+" not in key and len(key) == 1:
                keys.add(key.lower())
    return keys


def test_config_no_hotkey_that_label_studio_uses(schema):
    installed = _installed_single_keys()
    assert "u" in installed and "h" in installed  # the keymap was found: "u" unselects a region
    assert installed <= LABEL_STUDIO_KEYS, (
        f"Label Studio binds keys annot does not know: {installed - LABEL_STUDIO_KEYS}"
    )
    for t in [*schema.entities.values(), *schema.events.values()]:
        assert t.hotkey.lower() not in installed, f"{t.name}: hotkey {t.hotkey!r} is Label Studio's"


def test_config_colours_readable_on_white(schema):
    for t in [*schema.entities.values(), *schema.events.values()]:
        assert contrast_on_white(t.color) >= MIN_CONTRAST, (t.name, t.color, contrast_on_white(t.color))


def test_config_one_control_with_one_label_per_region(schema):
    root = ET.fromstring(labeling_config(schema))
    (labels,) = root.findall("Labels")
    assert (labels.get("name"), labels.get("choice")) == (LABEL_CONTROL, "single")
    assert [x.get("value") for x in labels] == [*schema.entities, *schema.events]
    headers = [h.get("value") for h in root.findall("Header")]
    assert all("schema" not in (h or "") and "news-conflict" not in (h or "") for h in headers)
    assert headers[0].startswith("Mark every name, date and number")


def test_config_committed_labeling_config_is_generated_from_schema(schema):
    committed = (ROOT / "configs" / "labeling_config.xml").read_text(encoding="utf-8")
    assert committed == labeling_config(schema), "run: annot schema config"
    assert check_labeling_config(schema, committed) == []


def test_config_labeling_config_parses_with_label_studio_sdk(schema):
    from label_studio_sdk.label_interface import LabelInterface

    li = LabelInterface((ROOT / "configs" / "labeling_config.xml").read_text(encoding="utf-8"))
    assert set(li.get_control(LABEL_CONTROL).labels) == set(schema.entities) | set(schema.events)
    assert li.get_object("text").tag == "Text"
    pred = {
        "result": [
            {
                "id": "a",
                "from_name": "label",
                "to_name": "text",
                "type": "labels",
                "value": {"start": 0, "end": 4, "text": "NATO", "labels": ["ORG"]},
            },
            {
                "id": "b",
                "from_name": "label",
                "to_name": "text",
                "type": "labels",
                "value": {"start": 5, "end": 9, "text": "sent", "labels": ["Movement.Deploy"]},
            },
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
    assert problems == [
        "labeling config: labels differ from schema news-conflict 1.0.0; missing PER; not in the schema PERSON"
    ]
    assert check_labeling_config(schema, "<View><HyperText name='text' value='$text'/></View>")[0].endswith(
        "uses <HyperText>; annot's offsets are defined on <Text>"
    )
    assert check_labeling_config(schema, "<View>")[0].startswith("labeling config: not valid XML")


@pytest.mark.parametrize("name", ["my--schema.toml", "a---b-.toml", "x-.toml"])
def test_config_well_formed_for_any_schema_file_name(runner, tmp_path: Path, name):
    from support import run

    schema_file = tmp_path / name
    schema_file.write_text((ROOT / "configs" / "schema.toml").read_text(encoding="utf-8"), encoding="utf-8")
    out = tmp_path / "config.xml"
    r = run(runner, "schema", "config", "--schema", schema_file, "-o", out)
    assert r.exit_code == 0, r.output
    ET.fromstring(out.read_text(encoding="utf-8").split("\n", 1)[1])  # the element parses
    ET.fromstring("<r>" + out.read_text(encoding="utf-8") + "</r>")  # and so does the comment before it
    r = run(runner, "schema", "config", "--schema", schema_file, "-o", out, "--check")
    assert r.exit_code == 0, r.output


@pytest.mark.parametrize(
    "change, problem",
    [
        ({"hotkey": "u"}, "hotkey 'u' is one of Label Studio's own keys"),
        ({"hotkey": "H"}, "hotkey 'H' is one of Label Studio's own keys"),
        ({"color": "#fffac8"}, "color #fffac8 has a contrast of 1.06:1 against white"),
    ],
)
def test_config_schema_refuses_keys_and_colours_people_cannot_use(change, problem):
    import tomllib

    data = tomllib.loads((ROOT / "configs" / "schema.toml").read_text(encoding="utf-8"))
    data["events"]["Conflict.Ceasefire"].update(change)
    from annot.errors import AnnotError

    with pytest.raises(AnnotError) as err:
        schema_from_dict(data)
    assert any(problem in p for p in err.value.problems), err.value.problems


def test_config_follows_the_schemas_mentions(schema):
    """A schema whose mentions nest lets a region carry several entity types (choice="multiple") and tells the
    annotators so; the check refuses a config whose choice disagrees with the schema."""
    import dataclasses
    import xml.etree.ElementTree as ET

    from annot.labelstudio.config import HEADER_NESTED, check_labeling_config, labeling_config

    nested = dataclasses.replace(schema, nested=True)
    xml = labeling_config(nested)
    root = ET.fromstring(xml)
    assert root.find(".//Labels").get("choice") == "multiple"  # type: ignore[union-attr]
    assert HEADER_NESTED in [h.get("value") for h in root.findall(".//Header")]
    assert check_labeling_config(nested, xml) == []
    assert check_labeling_config(schema, xml) == [
        'labeling config: <Labels name="label"> must have choice="single" (schema news-conflict declares mentions flat)'
    ]
    assert labeling_config(schema) == (ROOT / "configs" / "labeling_config.xml").read_text(encoding="utf-8")
