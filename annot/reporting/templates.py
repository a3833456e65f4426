"""Pages from templates (Jinja2, autoescaping on): every text that came from data is escaped.

The templates live in annot/reporting/templates/; CSS and script are inlined, so
a page is one self-contained file that loads nothing (its Content-Security-Policy
forbids any other load).
"""

from __future__ import annotations

from functools import cache
from typing import Any

CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; "
    "img-src data:; base-uri 'none'; form-action 'none'"
)


@cache
def _environment() -> Any:
    from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

    env = Environment(
        loader=PackageLoader("annot.reporting", "templates"),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    from ..scoring.vocabulary import LEVEL_DEFINITIONS, SCHEME_DEFINITIONS

    env.globals["csp"] = CSP
    env.globals["scheme_definitions"] = SCHEME_DEFINITIONS
    env.globals["level_definitions"] = LEVEL_DEFINITIONS
    env.globals["inline"] = lambda name: env.loader.get_source(env, name)[0]  # type: ignore[union-attr]
    return env


def render(template: str, **context: Any) -> str:
    """The page `template` (a file of annot/reporting/templates/) with `context`."""
    return str(_environment().get_template(template).render(**context))
