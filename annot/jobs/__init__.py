"""Whole jobs made of the stages, as the commands run them: the evaluation config, `annot evaluate`."""
