"""The gold corpus: building it from its sources, its splits, its verification and statistics."""
