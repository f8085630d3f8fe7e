"""The headline cards (HTML) shared by the dashboard and the static report; no widgets, so the report
and ``cxaudit run`` work without the ``dashboard`` extra."""

from __future__ import annotations

import html

from .summary import audit_cards, plural

__all__ = ["headline_html"]


def _fmt_share(x) -> str:
    return "\u2013" if x is None else f"{100 * x:.0f} %"


def headline_html(h: dict, audit: dict | None = None, lens_label: str = "") -> str:
    """Headline cards (HTML, numbers only): the audit's documents, participants and NPS with its interval
    (``audit``, from :meth:`AuditData.audit_headline`, when given) and the lens's mentions and share
    negative (``h``, from :meth:`AuditData.headline`)."""
    lens = f" ({html.escape(lens_label)})" if lens_label else ""
    cards = [
        ("mentions", f"{h['mentions']:,}", "Clue mentions", f"in this lens{lens}; one clue in one sentence"),
        ("negative", _fmt_share(h["share_negative"]), "Share negative", f"of {plural(h['mentions'], 'mention')}"),
    ]
    body = "".join(
        f'<div class="cx-card" data-key="{key}"><div class="cx-value">{value}</div>'
        f'<div class="cx-label">{label}</div><div class="cx-n">{note}</div></div>'
        for key, value, label, note in cards)
    top = audit_cards(audit) if audit is not None else ""
    empty = ('<div class="cx-empty">No mentions for this filter.</div>' if not h["mentions"] else "")
    return f'<div class="cx-cards">{top}{body}</div>{empty}'
