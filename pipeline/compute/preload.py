"""Imported once by the local pool's forkserver: the extractors' modules and rules, and the
spaCy model unless ``PIPELINE_EXTRACTION=rules``, so every worker forked from it starts
with them loaded (and shares the model's memory with its siblings).

Each worker is one of as many as there are cores, so its matrix products (the model's, see
:func:`pipeline.extract.organisation_model.load_model`) run on one OpenBLAS thread
(:data:`~pipeline.compute.executors.ONE_BLAS_THREAD`): set before NumPy is first imported
here, unless the environment says otherwise.
"""

import os

from pipeline.compute.executors import ONE_BLAS_THREAD  # imports no NumPy

for _variable, _value in ONE_BLAS_THREAD.items():
    os.environ.setdefault(_variable, _value)

from pipeline.compute.steps import warm_up  # noqa: E402

warm_up()
