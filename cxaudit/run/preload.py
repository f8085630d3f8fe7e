"""Imported by the worker pool's fork server: build the run's spaCy pipeline once, before any worker forks.

:mod:`cxaudit.run.warm` names this module in the fork server's preload list and puts
the run's :class:`~cxaudit.run.engine.PipelineSpec` in the environment variable
``CXAUDIT_PRELOAD_PIPELINE`` (JSON; ``cxaudit.run.warm.PRELOAD_ENV``). Every worker is forked from the server with the
pipeline already built (copy-on-write), so a worker starts in a fraction of a second instead
of spending 2–3 s building its own. Anything that goes wrong here is only logged: the worker
then builds the pipeline itself and reports a real error the usual way (an exception other
than ImportError would kill the fork server and the pool with an obscure message).

The server's first preload module, :mod:`cxaudit.run.die_with_run`, has already tied it to the run.
"""

from __future__ import annotations

import json
import logging
import os

from cxaudit.run.engine import PipelineSpec, build, learned_tagger, warm_up
from cxaudit.run.warm import PRELOAD_ENV
from cxaudit.run.spacy_import import import_spacy


def _preload() -> None:
    import_spacy()  # without spacy.cli, before the preload list's next module imports spaCy
    raw = os.environ.get(PRELOAD_ENV)
    if not raw:
        return
    try:
        spec = json.loads(raw)
        pipeline = PipelineSpec(model=spec["model"], codebooks=tuple(spec["codebooks"]))
        build(pipeline)
        warm_up(pipeline)  # what a process reads on its first batch, read once here for every worker
        if spec.get("tagger"):
            learned_tagger(spec["tagger"])
    except Exception:  # noqa: BLE001 - see the module docstring
        logging.getLogger(__name__).debug("fork server could not prebuild the pipeline", exc_info=True)


_preload()
