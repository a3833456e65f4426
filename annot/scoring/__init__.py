"""Scoring: matching gold and predictions, the count algebra, bootstrap intervals, error analysis. No I/O."""
