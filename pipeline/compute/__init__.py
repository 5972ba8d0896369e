"""Where per-article work runs: in this process, in a local process pool over both cores, or
on a Dask distributed cluster. Pure Python; :mod:`pipeline.defs.compute` is the Dagster
resource that picks one from the environment.

- :mod:`pipeline.compute.executors` — the executors (serial, local process pool, Dask client)
  and :func:`~pipeline.compute.executors.executor_from_environment`;
- :mod:`pipeline.compute.steps` — the per-article steps run over batches of articles, with
  cache hits answered here and only misses sent to an executor;
- :mod:`pipeline.compute.collector` — the cycle collector paused while a build makes its rows.
"""
