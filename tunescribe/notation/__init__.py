"""Notes in seconds -> readable sheet music: beats and meter (beats), quantized rhythm (quantize),
key and spelling (key), staves and voices (staves), the music21 score, MusicXML and time map
(score), a score-aligned MIDI (export), MusicXML 4.0 schema checks (validate), the printed PDF
(engrave) and the score in another key (transpose)."""

from tunescribe.notation.score import ScoreResult, TimeMapEntry, build_score, time_map, write_musicxml

__all__ = ["ScoreResult", "TimeMapEntry", "build_score", "time_map", "write_musicxml"]
