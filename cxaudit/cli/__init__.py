"""The ``cxaudit`` command line (Typer). Each command parses arguments and calls the package.

Exit status (``docs/workflow.md`` has the table): 0 success; 1 usage or configuration error
(the message says what to fix; nothing written); 2 the run finished but some input was
rejected or unreadable (see rejected.csv); 3 the results folder is in use by another run;
4 the results could not be written (disk full …; the previous results are intact);
130 interrupted by Ctrl-C or SIGTERM (the previous results are intact).

The commands are plain functions in ``running``, ``tagging``, ``results`` and ``starting``; they are
registered here on the app of ``base``, in the order ``cxaudit --help`` lists them. The console script is
``cxaudit.cli:app``; ``python -m cxaudit`` and ``python -m cxaudit.cli`` run the same app.
"""

from __future__ import annotations

from .base import (EXIT_BUSY, EXIT_INTERRUPTED, EXIT_OK, EXIT_REJECTED, EXIT_USAGE, EXIT_WRITE, app, codebook_app,
                   coding_app, main)
from .results import dashboard, export, report
from .running import run
from .starting import SAMPLE_DIR, demo, init
from .tagging import (agree, codebook_check, codebook_export, codebook_list, codebook_show, coding_export,
                      coding_import, train)

__all__ = ["app", "main", "run", "export", "train", "agree", "dashboard", "report", "init", "demo", "SAMPLE_DIR",
           "EXIT_OK", "EXIT_USAGE", "EXIT_REJECTED", "EXIT_BUSY", "EXIT_WRITE", "EXIT_INTERRUPTED"]

app.command()(run)
app.command()(export)
codebook_app.command("list")(codebook_list)
codebook_app.command("show")(codebook_show)
codebook_app.command("check")(codebook_check)
codebook_app.command("export")(codebook_export)
app.command()(train)
app.command()(agree)
coding_app.command("export")(coding_export)
coding_app.command("import")(coding_import)
app.command()(dashboard)
app.command()(report)
app.command()(init)
app.command()(demo)
