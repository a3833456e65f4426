"""`annot schema`: check the annotation schema, generate the Label Studio labeling config."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..project import LABELING_CONFIG, SCHEMA, project_path
from ..schema import Schema, load_schema
from .app import group

schema_app = group("schema", "Check the annotation schema and generate the Label Studio labeling config.")

SchemaOpt = Annotated[
    Path | None, typer.Option("--schema", help="The annotation schema (TOML; default: configs/schema.toml).")
]


def schema_file(schema: Path | None) -> Path:
    """The schema option, or the project's configs/schema.toml."""
    return schema or project_path(SCHEMA)


def load(schema: Path | None) -> Schema:
    """The schema named by the option (or the project's), checked."""
    return load_schema(schema_file(schema))


def load_if_any(schema: Path | None) -> Schema | None:
    """The schema named by the option, else the project's when there is one (None outside a project)."""
    path = schema_file(schema)
    return load_schema(path) if schema is not None or path.exists() else None


@schema_app.command("check")
def schema_check(schema: SchemaOpt = None) -> None:
    """Validate the schema file. Example: annot schema check --schema configs/schema.toml"""
    s = load(schema)
    n_roles = sum(len(e.roles) for e in s.events.values())
    typer.echo(
        f"{s.path}: schema {s.name} {s.version} is valid: {len(s.entities)} entity types, "
        f"{len(s.events)} event types, {n_roles} roles"
    )


@schema_app.command("config")
def schema_config(
    schema: SchemaOpt = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "-o", "--output", help="Where to write the labeling config (default: configs/labeling_config.xml)."
        ),
    ] = None,
    check: Annotated[
        bool, typer.Option("--check", help="Do not write; exit 2 if the file differs from what the schema generates.")
    ] = False,
) -> None:
    """Generate the Label Studio labeling config from the schema.

    Example: annot schema config -o configs/labeling_config.xml
    """
    from ..labelstudio.config import check_labeling_config_file, write_labeling_config

    s = load(schema)
    out = output or project_path(LABELING_CONFIG)
    if check:
        check_labeling_config_file(s, out)
        typer.echo(f"{out} is up to date with {s.path}")
        return
    write_labeling_config(s, out)
    typer.echo(f"wrote {out}")
