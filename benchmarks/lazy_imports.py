"""Count the imports that stand inside a function (or a class, or an ``if``) in ``cxaudit/``, and which give a reason.

Issue 19: imports stand at module top unless there is a reason to load a module late (an optional extra, a
heavy module that a quick path must not load, an import circle); each late import says why in a comment on
its line or on the line above (one comment may lead a block of imports). Run from the repository root::

    .venv/bin/python benchmarks/lazy_imports.py            # totals, then the files with imports without a reason
    .venv/bin/python benchmarks/lazy_imports.py --all      # every file with indented imports

``if TYPE_CHECKING:`` blocks (never run) are not counted; a ``try:`` import of an optional module at module
level is counted, and its comment read like any other.
"""

from __future__ import annotations

import argparse
import ast
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1] / "cxaudit"


def late_imports(path: Path) -> list[tuple[int, bool, bool]]:
    """(line, is cxaudit's own module, has a reason comment) of every indented import of ``path``."""
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    tree = ast.parse(text)
    type_checking = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            type_checking |= {n.lineno for n in ast.walk(node) if hasattr(n, "lineno")}
    found = sorted((n.lineno, n) for n in ast.walk(tree)
                   if isinstance(n, (ast.Import, ast.ImportFrom)) and n.col_offset > 0 and n.lineno not in type_checking)
    out = []
    reason_open = False  # inside a block of imports led by a comment
    previous_end = None
    for lineno, node in found:
        own = (isinstance(node, ast.ImportFrom) and node.level > 0) or any(
            (node.module if isinstance(node, ast.ImportFrom) else a.name or "").startswith("cxaudit")
            for a in node.names)
        above = lines[lineno - 2].strip() if lineno >= 2 else ""
        commented = "#" in lines[lineno - 1] or above.startswith("#") or (above.startswith("try:") and "#" in above)
        in_block = previous_end is not None and all(not s.strip() for s in lines[previous_end:lineno - 1]) \
            and lineno - previous_end <= 2
        reason_open = commented or (reason_open and in_block)
        out.append((lineno, own, reason_open))
        previous_end = node.end_lineno
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--all", action="store_true", help="list every file with indented imports")
    parser.add_argument("--root", type=Path, default=ROOT, help="the package folder [default: this checkout's cxaudit/]")
    args = parser.parse_args()
    total = own = reasoned = 0
    per_file: Counter[str] = Counter()
    without: Counter[str] = Counter()
    for path in sorted(args.root.rglob("*.py")):
        rel = str(path.relative_to(args.root.parent))
        for _, is_own, has_reason in late_imports(path):
            total += 1
            own += is_own
            reasoned += has_reason
            per_file[rel] += 1
            without[rel] += not has_reason
    print(f"indented imports: {total} ({own} of cxaudit's own modules); with a reason comment: {reasoned}; "
          f"without: {total - reasoned}")
    for rel, n in sorted(per_file.items(), key=lambda kv: (-kv[1], kv[0])):
        if args.all or without[rel]:
            print(f"  {rel}: {n} ({without[rel]} without a reason)")


if __name__ == "__main__":
    main()
