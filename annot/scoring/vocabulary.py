"""The names of what annot scores, each defined once: entity schemes, event levels, error categories.

The reference (`reference.py`), the engine (`engine.py`), the reports and the
docs all take these names and their one-line definitions from here. A new
scheme is a name and a definition here, a judge in `reference.py` (the
executable definition), and its counts in `engine.py`; `tests/scoring/
test_engine.py` proves the engine equal to the reference on random corpora.
"""

from __future__ import annotations

from typing import Literal

# ------------------------------------------------------------- entities

Scheme = Literal["strict", "exact", "partial", "type"]
SCHEMES: tuple[Scheme, ...] = ("strict", "exact", "partial", "type")

# SemEval-2013 Task 9.1 (as in nervaluate), with half-open offsets; stated in every report (meta.definitions).
SCHEME_DEFINITIONS: dict[str, str] = {
    "strict": "correct: same start, end and label; incorrect: overlapping otherwise",
    "exact": "correct: same start and end; incorrect: overlapping with other boundaries",
    "partial": "correct: same start and end; partial (half credit): overlapping with other boundaries",
    "type": "correct: overlapping with the same label; incorrect: overlapping with another label",
}

# The rules that extend the schemes and levels beyond flat mentions and flat events; each reduces to nothing on
# data without what it is about. A report states those its gold or predictions use (meta.definitions.extensions).
EXTENSION_DEFINITIONS: dict[str, str] = {
    "nested": "mentions may overlap and nest, and one span may carry several labels: every scheme pairs each gold "
    "mention with at most one prediction and each prediction with at most one gold mention, so a mention is "
    "correct only with its own boundaries (and label, where the scheme compares labels); strict precision and "
    "recall are then those of the usual nested-NER measure (the multiset of (boundaries, label) in common)",
    "fragments": "a discontinuous mention is the characters of its fragments: 'same start and end' means the "
    "same fragments, 'overlapping' means sharing a character of a fragment (never of a gap), and arguments "
    "compare fragments too",
    "event_arguments": "an argument filled by an event (nested events) stands for that event's trigger offsets "
    "and type (as the BioNLP shared tasks' approximate recursive matching): it matches an argument filled by an "
    "event with the same trigger offsets and type, never one filled by an entity mention",
}

# How one gold mention and one prediction that overlap it are judged under a scheme.
Outcome = Literal["correct", "incorrect", "partial"]

# The strict scheme's error categories, in report order.
ENTITY_ERROR_CATEGORIES: tuple[str, ...] = (
    "wrong type",
    "wrong boundary",
    "wrong boundary and type",
    "missed",
    "spurious",
)

# The rows and columns of a confusion matrix that have no counterpart.
MISSED = "(missed)"
SPURIOUS = "(spurious)"

# --------------------------------------------------------------- events

EventLevel = Literal[
    "trigger_identification",
    "trigger_classification",
    "argument_identification",
    "argument_classification",
    "argument_identification_anchored",
    "argument_classification_anchored",
]
EVENT_LEVELS: tuple[EventLevel, ...] = (
    "trigger_identification",
    "trigger_classification",
    "argument_identification",
    "argument_classification",
    "argument_identification_anchored",
    "argument_classification_anchored",
)

# Ji & Grishman 2008; Li, Ji & Huang 2013. Each level is a one-to-one multiset intersection of these items.
LEVEL_DEFINITIONS: dict[str, str] = {
    "trigger_identification": "a predicted trigger matches a gold trigger with the same offsets",
    "trigger_classification": "a predicted trigger matches a gold trigger with the same offsets and event type",
    "argument_identification": "a predicted argument matches a gold argument with the same offsets and event "
    "type (role ignored)",
    "argument_classification": "argument identification, and the same role",
    "argument_identification_anchored": "argument identification, and the same trigger offsets",
    "argument_classification_anchored": "argument classification, and the same trigger offsets",
}

# The levels counted per role: those that compare roles.
ROLE_LEVELS: tuple[EventLevel, ...] = ("argument_classification", "argument_classification_anchored")

# The event error categories (analysis.event_error_records), in the order of their precedence.
EVENT_ERROR_CATEGORIES: tuple[str, ...] = (
    "wrong type",
    "trigger boundary",
    "missed trigger",
    "spurious trigger",
    "wrong role",
    "argument boundary",
    "wrong trigger",
    "missed argument",
    "spurious argument",
)
