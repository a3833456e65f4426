"""Extraction systems: spaCy pipelines with label maps, annot's event extractor, prediction, training."""
