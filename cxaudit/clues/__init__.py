"""Clue scanning: codebooks and the rule tagger (see ``docs/clues.md``)."""

from cxaudit.clues.codebook import Code, Codebook, CodebookError, list_codebooks, load_codebook

__all__ = ["Code", "Codebook", "CodebookError", "list_codebooks", "load_codebook"]
