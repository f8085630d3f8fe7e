"""``python -m cxaudit.cli`` runs the command line (as ``cxaudit`` and ``python -m cxaudit`` do)."""

from . import main

main()
