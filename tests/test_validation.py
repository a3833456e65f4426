"""Declarative config validation: every problem at once, named by the key the user wrote."""

from __future__ import annotations

from typing import Annotated, Literal

import pytest
from pydantic import Field

from annot.errors import AnnotError
from annot.validation import Strict, validate


class _A(Strict):
    kind: Literal["a"]
    size: int = Field(1, ge=1)


class _B(Strict):
    kind: Literal["b"]
    path: str


class _File(Strict):
    name: str
    items: dict[str, Annotated[_A | _B, Field(discriminator="kind")]] = Field(default_factory=dict)


def test_validation_lists_every_problem_with_its_key():
    data = {"name": 3, "items": {"x": {"kind": "a", "size": 0, "extra": 1}, "y": {"kind": "b"}}, "other": 1}
    with pytest.raises(AnnotError) as err:
        validate(_File, data, "f.toml", "test file")
    assert err.value.message == "f.toml: invalid test file (5 problems)"
    assert sorted(err.value.problems) == sorted(
        [
            "f.toml: name: Input should be a valid string",
            "f.toml: items.x.size: Input should be greater than or equal to 1",
            "f.toml: unknown key items.x.extra",
            "f.toml: items.y.path: missing",
            "f.toml: unknown key other",
        ]
    )


def test_validation_accepts_a_valid_file():
    got = validate(_File, {"name": "n", "items": {"x": {"kind": "b", "path": "p"}}}, "f.toml", "test file")
    assert isinstance(got.items["x"], _B)
