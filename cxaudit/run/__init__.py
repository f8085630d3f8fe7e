"""The run stage: one audit run from inputs to the store.

``pipeline`` (``run_audit``: read, redact, analyse and tag, compare, store, prepare the dashboard);
``engine`` (the batch function and the local worker pool) with ``dask_engine`` (the same batch
function on Dask) and ``preload`` (imported by the pool's fork server); ``incremental`` (which
inputs changed since the last run); ``rerun`` (a rerun with nothing changed); ``scaffold``
(``cxaudit init``). Nothing is imported here: the fork server imports ``cxaudit.run.preload``
and should load no more than it names.
"""
