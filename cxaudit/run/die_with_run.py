"""First module in the worker pool's fork server's preload list: tie the server to the run that started it.

Imported before anything slow (:data:`cxaudit.run.warm.WORKER_PRELOAD`), so that from the first
moment the server can fork a worker, the kernel kills it when the run dies, even by SIGKILL; its
workers ask the same of it and die with it. If the run died while the server was starting, the server
exits here. :func:`cxaudit.parallel.join_the_run` says why this matters.
"""

from __future__ import annotations

from cxaudit.parallel import join_the_run

join_the_run()
