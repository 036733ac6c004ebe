"""Notes in seconds -> readable sheet music: beats and meter (beats), quantized rhythm (quantize),
key and spelling (key), staves and voices (staves), the score and time map (score), MusicXML
(musicxml), a score-aligned MIDI (export), MusicXML 4.0 schema checks (validate), the printed PDF
(engrave) and the score in another key (transpose)."""

from tunescribe.notation.musicxml import write_musicxml
from tunescribe.notation.score import ScoreResult, TimeMapEntry, build_score, time_map

__all__ = ["ScoreResult", "TimeMapEntry", "build_score", "time_map", "write_musicxml"]
