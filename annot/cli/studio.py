"""`annot studio`: a local Label Studio server for the project (start, status, stop, user add)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..errors import AnnotError
from ..files import display_path
from .app import group
from .schema import SchemaOpt, load

studio_app = group("studio", "A local Label Studio server for this project, on 127.0.0.1 (the `server` extra).")
user_app = typer.Typer(help="Annotator accounts on the local server.", no_args_is_help=True, rich_markup_mode=None)
studio_app.add_typer(user_app, name="user")

PortOpt = Annotated[
    int | None, typer.Option("--port", help="Port on 127.0.0.1 (default: configs/studio.toml, else 8080).")
]
ConfigOpt = Annotated[Path | None, typer.Option("--config", help="Studio config (default: configs/studio.toml).")]


@studio_app.command("start")
def studio_start(
    port: PortOpt = None,
    config: ConfigOpt = None,
    schema: SchemaOpt = None,
    apply_settings: Annotated[
        bool,
        typer.Option(
            "--apply-settings",
            help="Change an existing project's settings (overlap, instructions ...) to configs/studio.toml's; "
            "without it they are only compared and the differences reported.",
        ),
    ] = False,
) -> None:
    """Start the project's Label Studio server (data in .studio/, kept across restarts) and its project.

    A new project gets the settings of configs/studio.toml; an existing one keeps its own (a project pushed with
    --overlap 3 stays at 3) unless --apply-settings is given: differences are reported.

    Example: annot studio start --port 8080
    """
    from ..labelstudio.client import ProjectSettings, check_server, guideline_html, push_tasks
    from ..labelstudio.studio import load_studio_config, read_credentials, start

    cfg = load_studio_config(config, port)
    sch = load(schema)
    r = start(cfg)
    if r.already_running:
        typer.echo(f"Label Studio is already running at {r.url} (pid {r.pid}, data in {display_path(r.data)})")
    else:
        typer.echo(
            f"Label Studio is running at {r.url} (pid {r.pid}, data in {display_path(r.data)}; started in {r.seconds:.0f} s)"
        )
    creds = read_credentials(cfg.data)
    assert creds is not None
    settings = ProjectSettings(
        overlap=cfg.overlap, instructions_html=None if cfg.instructions is None else guideline_html(cfg.instructions)
    )
    report = push_tasks(
        check_server(creds.url, creds.api_key),
        [],
        sch,
        title=cfg.title,
        settings=settings,
        apply_settings=apply_settings,
    )
    verb = "created" if report.created else "found"
    typer.echo(
        f"project {report.project.id} {report.project.title!r} {verb}: {report.project.tasks} task(s), "
        f"{report.project.overlap} annotator(s) per task ({r.url}/projects/{report.project.id}/data)"
    )
    if report.applied:
        typer.echo(f"settings changed to those of {display_path(cfg.path)}: {', '.join(report.applied)}")
    if report.differing:
        typer.echo(
            f"the project's settings differ from {display_path(cfg.path)} and were kept: "
            + "; ".join(_difference(k, have, want) for k, (have, want) in sorted(report.differing.items()))
            + ". To apply the file's: annot studio start --apply-settings"
        )
    if r.first_start:
        typer.echo(
            f"First start: log in as {r.username} with the password in {display_path(r.credentials)} (readable only by you). "
            "The API key is kept there too: `annot ls` commands use it when LABEL_STUDIO_URL and "
            "LABEL_STUDIO_API_KEY are not set. Add annotators with `annot studio user add EMAIL`."
        )


def _difference(field: str, have: object, want: object) -> str:
    if field == "expert_instruction":
        return "the instructions differ from the guideline file"
    return f"{field} is {have!r} in the project, {want!r} in the file"


@studio_app.command("status")
def studio_status(config: ConfigOpt = None, port: PortOpt = None) -> None:
    """Say whether the project's server runs (exit 0), its URL, and its projects with their task counts; exit 2
    when it is not running.

    Example: annot studio status || annot studio start
    """
    from ..labelstudio.client import Session, check_server, list_projects
    from ..labelstudio.studio import load_studio_config, read_credentials, state

    cfg = load_studio_config(config, port)
    st = state(cfg)
    if not st.running:
        where = f" (last at {st.url})" if st.url else ""
        raise AnnotError(
            f"Label Studio is not running{where}; data in {display_path(st.data)}", "Start it: annot studio start"
        )
    typer.echo(
        f"Label Studio is running at {st.url} (pid {st.pid}, data in {display_path(st.data)}; tools log in as {st.username})"
    )
    creds = read_credentials(cfg.data)
    assert creds is not None
    for p in list_projects(Session(check_server(creds.url, creds.api_key))):
        typer.echo(f"  project {p.id} {p.title!r}: {p.tasks} task(s), {p.overlap} annotator(s) per task")


@studio_app.command("stop")
def studio_stop(config: ConfigOpt = None, port: PortOpt = None) -> None:
    """Stop the project's server (its data stays in .studio/).

    Example: annot studio stop
    """
    from ..labelstudio.studio import load_studio_config, stop

    cfg = load_studio_config(config, port)
    pid = stop(cfg)
    typer.echo("Label Studio was not running" if pid is None else f"stopped Label Studio (pid {pid})")


@user_app.command("add")
def studio_user_add(
    email: Annotated[str, typer.Argument(help="The annotator's e-mail address (the login).")],
    config: ConfigOpt = None,
) -> None:
    """Create an annotator account on the local server and print its password once.

    Example: annot studio user add alice@example.org
    """
    from ..labelstudio.studio import add_user, load_studio_config

    password = add_user(load_studio_config(config), email)
    typer.echo(f"created {email}; password (shown once, pass it on): {password}")


@user_app.command("list")
def studio_user_list(config: ConfigOpt = None) -> None:
    """List the accounts of the local server with their ids (the id is how exports, reports and --annotator name
    an annotator).

    Example: annot studio user list
    """
    from ..labelstudio.client import check_server, list_accounts
    from ..labelstudio.studio import load_studio_config, read_credentials

    cfg = load_studio_config(config)
    creds = read_credentials(cfg.data)
    if creds is None:
        raise AnnotError("the project's Label Studio server was never started", "Run: annot studio start")
    for account in list_accounts(check_server(creds.url, creds.api_key)):
        typer.echo(f"{account.id}\t{account.email}")


@user_app.command("reset-password")
def studio_user_reset_password(
    email: Annotated[str, typer.Argument(help="The account's e-mail address.")],
    config: ConfigOpt = None,
) -> None:
    """Give an account a new random password and print it once (the old one stops working).

    Example: annot studio user reset-password alice@example.org
    """
    from ..labelstudio.studio import load_studio_config, reset_password

    password = reset_password(load_studio_config(config), email)
    typer.echo(f"new password of {email} (shown once, pass it on): {password}")


@studio_app.command("model")
def studio_model(
    system: Annotated[
        str | None,
        typer.Argument(help="A system of the evaluation config (default: its first spaCy system)."),
    ] = None,
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="Port on 127.0.0.1 to serve on.")] = 9090,
    connect: Annotated[
        int | None,
        typer.Option(
            "--connect",
            metavar="PROJECT",
            help="Connect the backend to this project (LABEL_STUDIO_URL and LABEL_STUDIO_API_KEY, or the local "
            "server) and make the project ask it for predictions.",
        ),
    ] = None,
    eval_config: Annotated[
        Path | None, typer.Option("--config", help="Evaluation config (default: configs/evaluation.toml).")
    ] = None,
) -> None:
    """Serve a configured system as a Label Studio ML backend on 127.0.0.1 (until Ctrl-C or SIGTERM): annotators opening a
    task in the labeling stream see its entities, event words and roles as suggestions, under its model_version.

    Example: annot studio model spacy-sm-events --port 9090 --connect 1
    """
    import signal
    import threading

    from ..jobs.config import load_eval_config
    from ..jobs.loop import serve_system
    from ..labelstudio.client import server_from_env, verified
    from ..project import EVALUATION_CONFIG, project_path

    cfg = load_eval_config(eval_config or project_path(EVALUATION_CONFIG))
    server = verified(server_from_env()) if connect is not None else None  # before the model loads
    serving = serve_system(
        cfg, system, port=port, project=connect, server=server, log=lambda line: typer.echo(line, err=True)
    )
    loaded = serving.system
    typer.echo(
        f"serving {loaded.spec.name} at {serving.backend.url} (model_version {loaded.model_version}); Ctrl-C stops it"
    )
    if serving.link is not None:
        link = serving.link
        typer.echo(
            f"project {link.project}: ML backend {link.backend} {link.action} (state {link.state}); the labeling "
            f"stream asks it for every task without a prediction of {link.model_version}"
        )
        for note in link.notes:
            typer.echo(f"note: {note}")
        if link.others:
            typer.echo(f"note: the project has other ML backends, left as they are: {'; '.join(link.others)}")
    else:
        typer.echo(
            f"connect it in Label Studio (Settings -> Model -> Connect model, URL {serving.backend.url}), or: "
            f"annot studio model {loaded.spec.name} --port {port} --connect PROJECT"
        )
    stop = threading.Event()
    # A process manager (systemd, docker stop, a CI job) stops it with SIGTERM: the same end as Ctrl-C.
    previous = signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        serving.backend.stop()
    st = serving.backend.stats
    typer.echo(
        f"stopped: {st.tasks} task(s) predicted in {st.predict_calls} call(s), {st.regions} region(s) and "
        f"relation(s) sent, {st.refused.total()} item(s) the schema refuses left out"
    )
