"""The one error type of annot: a message, the next step, and every problem found."""

from __future__ import annotations


class AnnotError(Exception):
    """Bad input, configuration or usage; the CLI prints it and exits with code 2.

    `problems` holds every individual problem when validation found several, so
    that the user fixes them all in one go.
    """

    def __init__(self, message: str, hint: str = "", problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.problems = list(problems or [])

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (type(self), (self.message, self.hint, self.problems))  # across worker processes, whole

    def __str__(self) -> str:
        lines = [self.message]
        lines += [f"  - {p}" for p in self.problems]
        return "\n".join(lines)


def raise_if_problems(problems: list[str], message: str, hint: str = "", limit: int = 200) -> None:
    """Raise one AnnotError listing all `problems` (at most `limit` shown)."""
    if not problems:
        return
    shown = problems[:limit]
    if len(problems) > limit:
        shown.append(f"... and {len(problems) - limit} more")
    raise AnnotError(f"{message} ({len(problems)} problem{'s' if len(problems) != 1 else ''})", hint, shown)
