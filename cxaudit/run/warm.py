"""Start the worker pool's fork server early, building a pipeline in the background (issue 20).

A rerun that analyses a few changed documents does it in one worker forked from a fork server that
imported spaCy and loaded the pipeline while the run itself imported its stages and read the inputs
(:func:`cxaudit.run.engine.process`). The sooner the server starts, the more of its 2–3 s of loading
overlaps with the run's own: ``cxaudit run`` starts it right after it learned that something changed,
with the pipeline the previous run used (:func:`cxaudit.run.rerun.previous_pipeline`), before it imports
pandas or any stage; :func:`cxaudit.run.pipeline.run_audit` starts it otherwise. A server already running
is left as it is: when the audit's pipeline is not the one it loads, the run analyses in its own
process, as it would without a server.

Only the standard library and :mod:`cxaudit.parallel` are imported here, so that starting the server
costs the run no import of its own.
"""

from __future__ import annotations

import json
import os
from typing import Sequence

from cxaudit import parallel

__all__ = ["WORKER_PRELOAD", "PRELOAD_ENV", "WARMED", "pipeline_key", "announce", "start"]

#: Modules the fork server imports once for all workers (spaCy, pandas, the pipeline code), and
#: ``cxaudit.run.preload``, which builds the run's pipeline there so that workers start with it built.
#: ``cxaudit.run.die_with_run`` comes first (it ties the server to the run before anything slow);
#: ``cxaudit.run.preload`` comes before ``cxaudit.nlp``: it imports spaCy without its command line.
WORKER_PRELOAD = ("cxaudit.run.die_with_run", "cxaudit.run.engine", "cxaudit.run.preload", "cxaudit.nlp",
                  "cxaudit.clues.tagger", "cxaudit.nlp.analyze")
#: The environment variable that names the run's pipeline to the fork server (JSON; read by
#: :mod:`cxaudit.run.preload`).
PRELOAD_ENV = "CXAUDIT_PRELOAD_PIPELINE"
#: The pipeline (a :func:`pipeline_key`) that the fork server this process started is loading, when
#: :func:`start` started it: :func:`cxaudit.run.engine.process` then analyses even one worker's batches there.
WARMED: list[tuple[str, tuple[str, ...]]] = []


def pipeline_key(model: str, codebooks: Sequence[str]) -> tuple[str, tuple[str, ...]]:
    """What names a built pipeline (the learned tagger is loaded beside it, not part of it)."""
    return (str(model), tuple(codebooks))


def announce(model: str, codebooks: Sequence[str], tagger: str | None) -> None:
    """Name the pipeline to the fork server (read once, when it starts): it builds it for every worker."""
    os.environ[PRELOAD_ENV] = json.dumps({"model": model, "codebooks": list(codebooks), "tagger": tagger})


def _forkserver_pid() -> int | None:
    from multiprocessing import forkserver  # POSIX only; only called after parallel.start_forkserver said so

    return getattr(getattr(forkserver, "_forkserver", None), "_forkserver_pid", None)


def start(model: str, codebooks: Sequence[str], tagger: str | None = None) -> bool:
    """Start the fork server now, building this pipeline in the background; a later
    :func:`~cxaudit.run.engine.process` with ``workers > 1`` then starts its workers at once, and so does
    one with ``workers=1`` when this call started the server (the analysis then runs in one worker forked
    from it: the run's process never loads spaCy). Returns False where there is no fork server."""
    if parallel.default_context() != "forkserver":
        return False
    before = _forkserver_pid()
    announce(model, codebooks, tagger)
    started = parallel.start_forkserver(WORKER_PRELOAD)
    if started and _forkserver_pid() not in (None, before):
        WARMED[:] = [pipeline_key(model, codebooks)]
    return started
