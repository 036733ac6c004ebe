"""The artifact contract: every file a job has, named once. For each kind, the pipeline output it
stores (tunescribe.outputs.Output), its storage key, content type and download route. The worker
stores by this table and the API serves by it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from enum import StrEnum

from tunescribe.outputs import TRANSPOSED_FROM, Output


class ArtifactKind(StrEnum):
    AUDIO = "audio"  # the upload, as the user sent it
    MIDI = "midi"
    MUSICXML = "musicxml"
    SCORE_MIDI = "score_midi"
    TIMEMAP = "timemap"
    PDF = "pdf"


@dataclass(frozen=True)
class ArtifactSpec:
    kind: ArtifactKind
    route: str  # GET /api/jobs/{id}/<route>
    output: Output | None  # the pipeline file stored as this kind; None for the upload
    content_type: str | None  # None: the upload's own, sniffed at upload

    @property
    def transposable(self) -> bool:
        """Its download takes ?transpose= (the written score, in another key)."""
        return self.output in TRANSPOSED_FROM

    @property
    def suffix(self) -> str:
        """The download name's ending after the recording's stem."""
        return self.output.value if self.output else ""


ARTIFACTS = (
    ArtifactSpec(ArtifactKind.MIDI, "midi", Output.MIDI, "audio/midi"),
    ArtifactSpec(ArtifactKind.MUSICXML, "musicxml", Output.MUSICXML, "application/vnd.recordare.musicxml+xml"),
    ArtifactSpec(ArtifactKind.SCORE_MIDI, "score-midi", Output.SCORE_MIDI, "audio/midi"),
    ArtifactSpec(ArtifactKind.TIMEMAP, "timemap", Output.TIMEMAP, "application/json"),
    ArtifactSpec(ArtifactKind.PDF, "pdf", Output.PDF, "application/pdf"),
    ArtifactSpec(ArtifactKind.AUDIO, "audio", None, None),
)
RESULTS = tuple(a for a in ARTIFACTS if a.output is not None)  # what a transcription produces
# what the worker makes of a revision: all but the PDF, which the API engraves the first time it is
# asked for (MuseScore took about as long as all the other files of a correction together)
REVISION_RESULTS = tuple(a for a in RESULTS if a.kind != ArtifactKind.PDF)


def storage_key(job_id: uuid.UUID, kind: ArtifactKind, extension: str, revision: int = 0) -> str:
    """`<job id>/<kind>.<extension>`, a revision's `<job id>/r<revision>/<kind>.<extension>`:
    server-made, never the user's filename, always under the job's folder."""
    folder = f"{job_id}/r{revision}" if revision else f"{job_id}"
    return f"{folder}/{kind.value}.{extension.lstrip('.')}"
