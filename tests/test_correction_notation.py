"""A correction is written on its transcription's beats: the notes corrected change, the bar lines
stay (tunescribe.notation.timemap, tunescribe.pipeline.notate_file)."""

from __future__ import annotations

import json
from dataclasses import asdict, replace

import mido
import numpy as np
import pytest

from benchmarks.known_scores import medley, play, waltz
from tunescribe.midi import read_midi_notes
from tunescribe.notation.beats import BeatGrid
from tunescribe.notation.export import write_score_midi
from tunescribe.notation.meter import METERS
from tunescribe.notation.score import build_score, time_map
from tunescribe.notation.timemap import TimeMapError, grid_of_meter, kept_grids, read_meters, read_time_map
from tunescribe.outputs import Output
from tunescribe.pipeline import notate_file


def _original(notes, folder):
    """The files of a transcription of `notes` that a correction reads: its time map and score MIDI."""
    folder.mkdir()
    score = build_score(notes)
    (folder / "score.timemap.json").write_text(json.dumps([asdict(e) for e in score.time_map]))
    write_score_midi(score, folder / "score.score.mid")
    return score, {"time_map": folder / "score.timemap.json", "score_midi": folder / "score.score.mid"}


def test_a_corrected_note_changes_and_the_bar_lines_stay(tmp_path):
    notes = sorted(play(waltz(), 90, accent_every=3), key=lambda n: (n.start_s, n.pitch))
    original, files = _original(notes, tmp_path / "original")
    bar_2, bar_3 = original.time_map[3].seconds, original.time_map[6].seconds
    k = next(i for i, n in enumerate(notes) if n.start_s > bar_3 - 0.05)
    fixed = list(notes)
    fixed[k] = replace(notes[k], pitch=notes[k].pitch + 1)
    fixed = [n for n in fixed if n.start_s > bar_2 - 0.05]  # and the notes of the first bar deleted

    out = notate_file(fixed, tmp_path / "revision", "score", **files)

    assert out.files[Output.TIMEMAP].read_text() == files["time_map"].read_text()  # every bar line where it was
    assert out.score.meter == original.meter == "3/4" and out.score.n_measures == original.n_measures
    assert [q for q in out.score.qnotes if q.start < 3] == []  # bar 1 is rests now
    was = next(q for q in original.qnotes if q.pitch == notes[k].pitch and q.start == 6)
    assert any(q.pitch == was.pitch + 1 and q.start == was.start and q.end == was.end for q in out.score.qnotes)
    assert sorted(n.pitch for n in read_midi_notes(out.files[Output.MIDI])) == sorted(n.pitch for n in fixed)
    # what it avoids: the beats tracked again from the corrected notes start the score elsewhere
    assert build_score(fixed).time_map != original.time_map


def test_a_note_added_before_the_first_downbeat_gets_a_bar_of_its_own_and_the_bar_lines_stay(tmp_path):
    notes = [replace(n, start_s=n.start_s + 2.0, end_s=n.end_s + 2.0) for n in play(waltz(), 90, accent_every=3)]
    original, files = _original(notes, tmp_path / "original")
    first_downbeat = original.time_map[0].seconds
    early = replace(notes[0], start_s=first_downbeat - 1.0, end_s=first_downbeat - 0.7)

    out = notate_file([early, *notes], tmp_path / "revision", "score", **files)

    bar_lines = {round(e.seconds, 6) for e in out.score.time_map if e.beat == 1}
    assert {round(e.seconds, 6) for e in original.time_map if e.beat == 1} <= bar_lines
    assert out.score.n_measures == original.n_measures + 1
    assert out.score.qnotes[0].pitch == early.pitch and out.score.qnotes[0].start >= 0


def test_a_medleys_pieces_keep_their_meters_and_bar_lines(tmp_path):
    notes, second = medley()
    notes = sorted(notes, key=lambda n: (n.start_s, n.pitch))
    original, files = _original(notes, tmp_path / "original")
    assert [s.meter for s in original.sections][:1] == ["3/4"] and len(original.passages) == 2  # as tested in sections
    k = next(i for i, n in enumerate(notes) if n.start_s > second + 4.0)
    fixed = list(notes)
    fixed[k] = replace(notes[k], pitch=notes[k].pitch - 1)

    out = notate_file(fixed, tmp_path / "revision", "score", **files)

    assert out.files[Output.TIMEMAP].read_text() == files["time_map"].read_text()
    assert [(p.measure, p.n_measures, p.grid.meter) for p in out.score.passages] == \
        [(p.measure, p.n_measures, p.grid.meter) for p in original.passages]
    assert sorted(n.pitch for n in read_midi_notes(out.files[Output.MIDI])) == sorted(n.pitch for n in fixed)


@pytest.mark.parametrize("meter", sorted(METERS))
def test_every_meter_reads_back_from_its_time_map(meter):
    beats = 0.3 + np.cumsum(np.full(40, 0.5) + 0.01 * np.sin(np.arange(40)))
    grid = grid_of_meter(beats, meter)
    assert grid.meter == meter
    n_measures = 30 // grid.beats_per_bar
    [kept], end_s = kept_grids(time_map(grid, n_measures, end_s=99.0), [(0, meter)])
    assert (kept.beats_per_bar, kept.division, kept.beat_note) == (grid.beats_per_bar, grid.division, grid.beat_note)
    np.testing.assert_allclose(kept.beats_s, beats[: n_measures * grid.beats_per_bar])
    assert end_s == 99.0


def test_a_first_downbeat_before_the_recording_starts_reads_back(tmp_path):
    grid = BeatGrid(np.array([-0.9, -0.4, 0.1, 0.6, 1.1, 1.6, 2.1, 2.6, 3.1]), 3, 2)  # a pickup of two beats
    entries = time_map(grid, 2)
    assert [e.seconds for e in entries[:2]] == [0.0, 0.0]  # the time map starts at the recording
    [kept], _ = kept_grids(entries, [(0, "3/4")])
    np.testing.assert_allclose(kept.beats_s, grid.beats_s[:6])
    assert time_map(kept, 2) == entries


def test_files_that_are_not_a_scores_beats_are_a_time_map_error(tmp_path):
    (tmp_path / "map.json").write_text('{"measure": 1}')
    with pytest.raises(TimeMapError, match="not a time map"):
        read_time_map(tmp_path / "map.json")
    midi = mido.MidiFile()
    midi.tracks.append(mido.MidiTrack([mido.MetaMessage("end_of_track")]))
    midi.save(str(tmp_path / "plain.mid"))
    with pytest.raises(TimeMapError, match="no time signature"):
        read_meters(tmp_path / "plain.mid")
    with pytest.raises(TimeMapError, match="fewer than two beats"):
        kept_grids([], [(0, "4/4")])
    four_four = time_map(grid_of_meter(np.arange(9) * 0.5, "4/4"), 2)
    with pytest.raises(TimeMapError, match="a measure of 4 beats in 3/4"):
        kept_grids(four_four, [(0, "3/4")])
    with pytest.raises(TimeMapError, match="not a meter"):
        grid_of_meter([0.0, 0.5], "5/4")

