"""Tick a reviewer's keep / drop decisions, written as a file, in a gold-review project of Label Studio.

    python scripts/review_decisions.py PROJECT DECISIONS.json

How the bundled corpus's gold review (gold/news/notes/gold-review-v3/) went through annot's real path: reviewer
r2 decided every listed item from the candidates file, the text and the guideline (r2-decisions.json); this script
submits those ticks as the review project's annotation, the gold's regions unchanged, exactly what the reviewer
does in the labeling stream; `annot ls pull` and `annot corpus review-gold --reviewed` then read them back.

DECISIONS is a JSON list of {"document", "items": [{"item", "decision": "keep" | "drop"}]}; every item a task
lists must have a decision (else nothing is submitted). The server is the one `annot ls` uses
(LABEL_STUDIO_URL / LABEL_STUDIO_API_KEY, else the local server); the key is never printed.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from annot.labelstudio.client import server_from_env  # noqa: E402


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    from label_studio_sdk import LabelStudio

    project, path = int(argv[0]), Path(argv[1])
    wanted = {
        (c["document"], it["item"]): it["decision"]
        for c in json.loads(path.read_text(encoding="utf-8"))
        for it in c["items"]
    }
    server = server_from_env()
    client = LabelStudio(base_url=server.url, api_key=server.api_key)
    plans = []
    for task in client.tasks.list(project=project):
        doc, items = task.data["doc_id"], task.data["conflict_items"]
        missing = [item for item in items if (doc, item) not in wanted]
        if missing:
            print(f"{path}: no decision for document {doc!r}, item {missing[0]!r}; nothing submitted", file=sys.stderr)
            return 2
        ticked = [f"{n}:{wanted[(doc, item)]}" for n, item in enumerate(items, 1)]
        gold = next(p for p in client.predictions.list(task=task.id) if p.model_version == "gold")
        plans.append(
            (
                task.id,
                [
                    *gold.result,
                    {"from_name": "decisions", "to_name": "text", "type": "choices", "value": {"choices": ticked}},
                ],
            )
        )
    for task_id, result in plans:
        client.annotations.create(id=task_id, result=result)
    print(
        f"project {project}: {sum(len(r[-1]['value']['choices']) for _, r in plans)} decision(s) ticked in "
        f"{len(plans)} task(s)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
