"""annot: annotation and evaluation toolkit for information extraction from news."""

__version__ = "0.1.0"
