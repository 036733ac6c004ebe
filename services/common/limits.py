"""What an upload may be, and the sentences that say so; the API checks them at upload, the worker
again when it decodes."""

from __future__ import annotations


def too_long(max_minutes: float, minutes: float | None = None) -> str:
    length = f" ({minutes:.1f} minutes)" if minutes is not None else ""
    return (f"The recording is longer than the {max_minutes:g}-minute limit{length}. "
            f"Trim it, or split it into parts of at most {max_minutes:g} minutes.")


def too_large(max_mb: int) -> str:
    return f"The file is larger than the {max_mb} MB limit."
