"""``python -m cxaudit`` runs the command line."""

from .cli import app

app(prog_name="cxaudit")
