"""Declarative validation of configuration files (pydantic models), with every problem reported at once.

A model here describes a config file's tables and keys; unknown keys are
refused. `validate` turns pydantic's errors into annot's ``file: key: message``
lines, so a user fixes all problems in one go.
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from .errors import AnnotError

M = TypeVar("M", bound=BaseModel)


class Strict(BaseModel):
    """Base of config models: unknown keys refused, values frozen, no silent type coercion of strings."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


def _has(data: Any, step: int | str) -> bool:
    """Whether `step` is a key (or index) of `data`."""
    if isinstance(data, dict):
        return step in data
    return isinstance(data, list) and isinstance(step, int) and 0 <= step < len(data)


def _loc(loc: tuple[int | str, ...], data: Any) -> str:
    """The key path of an error as the user wrote it.

    Tagged unions put their tag into the location ("systems.x.spacy.model"); a step that is not a key of
    the data at that point (other than the last one, which may be a missing key) is such a tag, left out.
    """
    keys: list[str] = []
    for i, step in enumerate(loc):
        if _has(data, step):
            data = data[step]
        elif i < len(loc) - 1:
            continue
        keys.append(str(step))
    return ".".join(keys)


def problems_of(exc: ValidationError, where: str, data: Any) -> list[str]:
    """One line per pydantic error: ``where: key.path: message``."""
    out = []
    for err in exc.errors(include_url=False):
        loc = _loc(tuple(err["loc"]), data)
        kind = err["type"]
        if kind == "extra_forbidden":
            out.append(f"{where}: unknown key {loc}")
        elif kind == "missing":
            out.append(f"{where}: {loc}: missing")
        else:
            msg = err["msg"]
            out.append(f"{where}: {loc}: {msg}" if loc else f"{where}: {msg}")
    return out


def validate(model: type[M], data: Any, where: str, what: str, hint: str = "Fix the keys named above.") -> M:
    """`data` (read from `where`, a `what`) checked against `model`; an AnnotError listing every problem otherwise."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = problems_of(exc, where, data)
        raise AnnotError(
            f"{where}: invalid {what} ({len(problems)} problem{'s' if len(problems) != 1 else ''})", hint, problems
        ) from None
