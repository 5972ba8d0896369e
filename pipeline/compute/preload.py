"""Imported once by the local pool's forkserver: the extractors' modules and rules, and the
spaCy model unless ``PIPELINE_EXTRACTION=rules``, so every worker forked from it starts
with them loaded (and shares the model's memory with its siblings).

Each worker is one of as many as there are cores, so its matrix products (the model's, see
:func:`pipeline.extract.organisation_model.load_model`) run on one OpenBLAS thread: set
before NumPy is first imported here, unless the environment says otherwise. Two workers
with two threads each would fight over two cores.
"""

import os

for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

from pipeline.compute.steps import warm_up  # noqa: E402

warm_up()
