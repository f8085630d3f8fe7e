"""The run stage: one audit run from inputs to the store.

``pipeline`` (``run_audit``: the order of a run's steps), each step a module: ``inputs`` (read the
inputs, keep the previous run's rows) with ``private`` (redaction and its private map),
``fingerprints`` (what changed since the last run), ``analyse`` (the analysis of what changed),
``outputs`` (the compare tables and the dashboard's), ``result`` (``RunResult``, the ``runs`` row),
``manifest`` (the rerun manifest a run leaves) and ``failures`` (settings checked before anything is
written, write failures). ``engine`` (the batch function and the local worker pool) with
``dask_engine`` (the same batch function on Dask), ``die_with_run`` and ``preload`` (imported by the
pool's fork server); ``incremental`` (which inputs changed since the last run); ``rerun`` (a rerun with nothing
changed); ``scaffold`` (``cxaudit init``). Nothing is imported here: the fork server imports
``cxaudit.run.preload`` and should load no more than it names.
"""
