"""Other corpus formats in and out: brat standoff, CoNLL columns, spaCy DocBin, annot's JSONL (`annot convert`)."""
