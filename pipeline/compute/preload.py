"""Imported once by the local pool's forkserver: the extractors' modules and rules, and the
spaCy model unless ``PIPELINE_EXTRACTION=rules``, so every worker forked from it starts
with them loaded (and shares the model's memory with its siblings)."""

from pipeline.compute.steps import warm_up

warm_up()
