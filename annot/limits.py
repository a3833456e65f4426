"""Bounds of every number a user gives annot (workers, resamples, seeds, sizes), checked where the value enters:
the command line, a config file or the Python API all reach the same checks.

Without them a typo (`--bootstrap 1e20`, `--workers 100000`) is a run that allocates until the machine kills it
or never ends; with them it is one line naming the option, the value and the range.
"""

from __future__ import annotations

from .errors import AnnotError

MAX_WORKERS = 256  # processes on one machine
MAX_BOOTSTRAP = 100_000  # bootstrap resamples (1,000 give intervals to about a hundredth)
MAX_PAIRED_SAMPLES = 1_000_000  # approximate-randomisation resamples of a paired test
MAX_SEED = 2**32 - 1  # numpy's generators take seeds in [0, 2**32) from a plain int
MAX_ERRORS = 10_000_000  # errors listed per category
MAX_BATCH = 100_000  # documents per batch or partition


def bounded(name: str, value: int, low: int, high: int) -> int:
    """`value` when `low <= value <= high`, else an AnnotError naming `name` (an option or a config key).

    >>> bounded("--workers", 2, 1, MAX_WORKERS)
    2
    """
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise AnnotError(
            f"{name} {value!r} is out of range: give a whole number from {low:,} to {high:,}",
            "Give a value in that range: seeds are never negative, and larger counts are far past what changes a "
            "result and would only exhaust the machine.",
        )
    return value
