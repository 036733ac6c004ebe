"""TuneScribe core: audio in, notes out. No web, no queue."""

from tunescribe.notes import Note

__all__ = ["Note"]
