"""A model in the loop: a configured system served to Label Studio as an ML backend (`annot studio model`).

The system is one of configs/evaluation.toml's (`kind = "spacy"`): its pipeline, label map and event rules are
loaded once, and every text Label Studio sends is predicted as `annot predict` would, less what the schema
refuses (`systems.serve`), and answered in the prediction format of `annot export --predictions`
(`labelstudio.backend`). Its model_version carries the digest the held-out ledger keeps of the system
(`evaluate.system_digest`), so a changed system is a new version in Label Studio too.
"""

from __future__ import annotations

import errno
from collections.abc import Callable
from dataclasses import dataclass, replace

from ..errors import AnnotError
from ..labelstudio.backend import Backend
from ..labelstudio.client import BackendLink, Server, connect_backend
from ..schema import load_schema
from ..systems.serve import LoadedSystem, SystemSpec, load_system
from .config import EvalConfig, SystemConfig
from .evaluate import check_systems, system_digest

DEFAULT_PORT = 9090  # the port Label Studio's documentation gives ML backends


def configured_system(cfg: EvalConfig, name: str | None) -> SystemConfig:
    """The system `name` of the config (default: the first one that predicts), checked: it must predict (a
    prediction file cannot predict new texts) and be able to run."""
    names = [s.name for s in cfg.systems]
    if name is None:
        runnable = [s for s in cfg.systems if s.kind == "spacy"]
        if not runnable:
            raise AnnotError("no configured system predicts (every one is a prediction file)", "Add a spaCy system.")
        system = runnable[0]
    else:
        found = [s for s in cfg.systems if s.name == name]
        if not found:
            raise AnnotError(f"no system {name!r} in the evaluation config", f"Configured: {', '.join(names)}.")
        system = found[0]
    if system.kind != "spacy":
        raise AnnotError(
            f"system {system.name!r} is a prediction file: it cannot predict new texts",
            "Serve a spaCy system, or pre-annotate with its predictions: annot export ARTICLES --predictions FILE "
            "--model-version NAME -o tasks.json",
        )
    check_systems(replace(cfg, systems=[system]))
    return system


def system_spec(system: SystemConfig) -> SystemSpec:
    """What makes `system`, with the digest the held-out ledger records for it."""
    assert system.label_map is not None
    return SystemSpec(
        name=system.name,
        model=system.model,
        label_map=system.label_map,
        events=system.events,
        digest=lambda version: system_digest(system, version) or "",
    )


@dataclass(frozen=True, kw_only=True)
class Serving:
    """A system served: the running backend (stop it when done), the loaded system, and the project it was
    connected to, if any."""

    backend: Backend
    system: LoadedSystem
    link: BackendLink | None = None


def serve_system(
    cfg: EvalConfig,
    name: str | None = None,
    *,
    port: int = DEFAULT_PORT,
    project: int | None = None,
    server: Server | None = None,
    log: Callable[[str], None] | None = None,
) -> Serving:
    """Load the configured system `name`, serve it as a Label Studio ML backend on 127.0.0.1:`port` (in a
    background thread: stop `Serving.backend` when done) and, with `project`, connect it to that project of
    `server`."""
    system = configured_system(cfg, name)
    loaded = load_system(system_spec(system), load_schema(cfg.schema))
    try:
        backend = Backend(loaded, port, log).start()
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise AnnotError(
                f"port {port} on 127.0.0.1 is in use by another program", f"Serve on another port: --port {port + 1}"
            ) from None
        raise
    link = None
    if project is not None:
        if server is None:
            raise AnnotError("connecting to a project needs a Label Studio server")
        try:
            link = connect_backend(server, project, backend.url, loaded.model_version)
        except BaseException:
            backend.stop()
            raise
    return Serving(backend=backend, system=loaded, link=link)
