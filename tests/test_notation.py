"""Known short scores, played as notes in seconds, come back as the right score; the edge cases
end in valid MusicXML; the time map is monotonic and covers the notes."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import Counter
from fractions import Fraction

import mido
import mir_eval
import music21
import numpy as np
import pytest

from tunescribe.notation.export import write_score_midi
from tunescribe.notation.key import KEY_FEATURES, Key, estimate_key, key_features, spelling_table
from tunescribe.notation.meter import Hypothesis, start_and_end
from tunescribe.notation.beats import BeatGrid, track_pulses
from tunescribe.evaluate_notation import silences
from tunescribe.notation.quantize import QNote, legato, quantize
from tunescribe.notation import build_score, write_musicxml
from tunescribe.notation.musicxml import note_value, written_measures
from tunescribe.notation.staves import Staff, assign_voices, split_hands
from tunescribe.notation.sections import Piece
from tunescribe.notation.validate import schema_errors
from tunescribe.notes import Note

from benchmarks.known_scores import C_MAJOR_SCALE_3_4, long_piece, play, six_eight_melody, two_hand_piece, waltz


def measures(score) -> int:
    return len(score.parts[0].getElementsByClass(music21.stream.Measure))


def roundtrip(result, tmp_path, name="out"):
    """Write MusicXML, check the schema, re-read it with music21; the re-read score."""
    path = write_musicxml(result, tmp_path / f"{name}.musicxml")
    ET.parse(path)  # well-formed
    assert schema_errors(path) == []
    return music21.converter.parse(str(path))


def test_scale_in_three_four(tmp_path):
    result = build_score(play(C_MAJOR_SCALE_3_4, 90, accent_every=3))
    assert result.meter == "3/4"
    assert (result.key.tonic_name, result.key.mode) == ("C", "major")
    assert result.n_measures == 6
    assert abs(result.grid.tempo_bpm - 90) < 3
    back = roundtrip(result, tmp_path)
    assert measures(back) == 6
    assert back.recurse().getElementsByClass(music21.meter.TimeSignature)[0].ratioString == "3/4"
    assert [n.pitch.nameWithOctave for n in back.recurse().notes][:3] == ["C4", "D4", "E4"]


def test_two_hand_piece_in_four_four(tmp_path):
    result = build_score(play(two_hand_piece(), 100, accent_every=4))
    assert result.meter == "4/4"
    assert (result.key.tonic_name, result.key.fifths) == ("F", -1)
    assert result.n_measures == 8
    assert [s.clef for s in result.staves] == ["treble", "bass"]
    assert all(q.pitch >= 65 for v in result.staves[0].voices for q in v)
    assert all(q.pitch <= 48 for v in result.staves[1].voices for q in v)
    back = roundtrip(result, tmp_path)
    assert len(back.parts) == 2  # music21 reads the two staves of one part as two PartStaffs
    assert measures(back) == 8
    xml = (tmp_path / "out.musicxml").read_text()
    assert xml.count("<score-part ") == 1 and "<staves>2</staves>" in xml and "brace" in xml
    assert "<beam " in xml
    names = {p.name for p in back.recurse().pitches}
    assert "B-" in names and "A#" not in names


def test_a_waltz_without_accents_is_in_three_four():
    """No note louder than another: the bar is heard in the bass, the harmony and the long notes."""
    result = build_score(play(waltz(), 90))
    assert result.meter == "3/4"
    assert result.key.fifths == 1
    assert result.n_measures == 12
    assert result.qnotes[0].start == 0  # the first bass note is the first downbeat


def test_where_a_reading_puts_the_first_and_last_notes():
    """[starts on the downbeat, on a beat, within the last beat before a downbeat (an anacrusis),
    ends on the downbeat, on a beat]; positions in eighths on the tracked pulse."""
    four_four = Hypothesis("4/4", 2, 0)  # a bar of eight eighths, the downbeat on eighth 0
    assert start_and_end(four_four, 6.0, 16.1) == [0, 1, 1, 1, 1]  # a quarter before the bar; ends on one
    assert start_and_end(Hypothesis("4/4", 2, 6), 6.0, 13.0) == [1, 1, 0, 0, 0]  # ends on the last eighth
    assert start_and_end(four_four, 4.0, 10.0) == [0, 1, 0, 0, 1]  # starts mid-bar: no anacrusis
    six_eight = Hypothesis("6/8", 3, 0)
    assert start_and_end(six_eight, 5.0, 3.0) == [0, 0, 1, 0, 1]  # an eighth before the bar
    assert start_and_end(six_eight, 1.0, 5.9) == [0, 0, 0, 1, 1]


def test_six_eight_melody_in_d_major(tmp_path):
    """Dotted quarter = 60 (eighths at 180 per minute)."""
    result = build_score(play(six_eight_melody(), 60, beat_quarters=1.5, accent_every=3, jitter_s=0.008))
    assert result.meter == "6/8"
    assert (result.key.tonic_name, result.key.mode, result.key.fifths) == ("D", "major", 2)
    assert result.n_measures == 8
    back = roundtrip(result, tmp_path)
    assert back.recurse().getElementsByClass(music21.meter.TimeSignature)[0].ratioString == "6/8"
    assert back.recurse().getElementsByClass(music21.key.KeySignature)[0].sharps == 2
    assert {p.name for p in back.recurse().pitches} >= {"F#", "C#"}
    assert [float(n.quarterLength) for n in back.recurse().notes][:4] == [1.0, 0.5, 1.0, 0.5]


def jig(seed: int, bars: int = 24):
    """A 6/8 jig at a dotted quarter of about 66, its tempo swaying by 8 %, onsets 12 ms off:
    per beat a quarter and an eighth, three eighths or a dotted quarter, a bass note every bar.
    The notes and the true beats (seconds)."""
    rng = np.random.default_rng(seed)
    rhythms = [[(0, 2), (2, 1)], [(0, 1), (1, 1), (2, 1)], [(0, 3)], [(0, 2), (2, 1)]]  # eighths; quarter-eighth twice as often
    notes, beats, t = [], [], 0.0
    for b in range(2 * bars):
        beat_s = 60 / 66 * (1 + 0.08 * np.sin(b / 6))
        beats.append(t)
        for start, length in rhythms[rng.integers(len(rhythms))]:
            s = t + start * beat_s / 3 + rng.normal(0, 0.012)
            notes.append(Note(int(rng.choice([62, 64, 66, 67, 69, 71, 73, 74])), s, s + 0.3 * length * beat_s,
                              int(rng.integers(60, 90))))
        if b % 2 == 0:
            notes.append(Note(50, t, t + 0.9 * beat_s, 70))
        t += beat_s
    return notes, np.array(beats)


def test_a_swaying_jig_is_tracked_on_its_beats():
    """The tracked pulse keeps to the jig's beats (or its eighths, three to a beat) in every one of
    20 jigs. Scored on the autocorrelation at its lag alone, the period of the eighth lost the
    beats' phase in 2 of them (F 0.66)."""
    for seed in range(20):
        notes, beats = jig(seed)
        pulse = track_pulses(notes)[0]
        f = max(mir_eval.beat.f_measure(beats, pulse[k::step]) for step in (1, 2, 3) for k in range(step))
        assert f > 0.9, (seed, f)


def test_the_beat_tracker_is_librosas_beat_for_beat():
    """track_beats replaces librosa's beat_track (trim=False) for speed: on 20 jigs, at each
    tracked tempo and a local tempo that drifts, it must place every beat where librosa does."""
    import librosa

    from tunescribe.notation.beats import FPS, local_tempo, onset_envelope, tempi, tempogram, track_beats

    for seed in range(20):
        notes, _ = jig(seed)
        env = onset_envelope(notes, int(max(n.end_s for n in notes) * FPS) + FPS)
        bpm, ac = tempogram(env)
        for global_bpm in tempi(bpm, ac):
            local = local_tempo(bpm, ac, global_bpm, len(env))
            _, expected = librosa.beat.beat_track(onset_envelope=env, sr=1000, hop_length=10, bpm=local,
                                                  trim=False, units="time", tightness=200)
            np.testing.assert_array_equal(track_beats(env, local), expected)


def hymn_in_half_notes():
    """8 bars of three voices in half and whole notes (32 quarters); the inner voice moves in
    quarters at the start of each bar, so the quarter pulse is heard, but no note is shorter."""
    soprano = [67, 69, 71, 72, 74, 72, 71, 69, 71, 72, 74, 71, 72, 71, 69, 67]
    inner = [64, 62, 64, 65, 67, 65, 64, 62, 64, 65, 67, 64, 62, 64, 62, 64]
    bass = [48, 43, 48, 53, 43, 48, 45, 43]
    events = [(p, 2 * i, 2) for i, p in enumerate(soprano)] + [(p, 4 * i, 4) for i, p in enumerate(bass)]
    for bar in range(8):
        a, b = inner[2 * bar], inner[2 * bar + 1]
        events += [(a, 4 * bar, 1), (b, 4 * bar + 1, 1), (a, 4 * bar + 2, 2)]
    return events


def test_music_in_half_notes_gets_a_half_note_beat(tmp_path):
    """Quarter = 90: the notes mostly last a half note, none is shorter than a quarter, so the
    beat is the half note (45 per minute) and the meter 2/2 or 4/2, which MusicXML readers accept."""
    result = build_score(play(hymn_in_half_notes(), 90, accent_every=4, jitter_s=0.008))
    assert result.meter in ("2/2", "4/2")
    assert result.grid.beat_quarters == 2.0
    assert abs(result.grid.tempo_bpm - 45) < 3  # half notes per minute
    back = roundtrip(result, tmp_path)
    assert back.recurse().getElementsByClass(music21.meter.TimeSignature)[0].ratioString == result.meter
    lengths = [q.duration * 2 for q in result.qnotes]  # in quarters
    assert set(lengths) <= {1, 2, 4} and lengths.count(2) >= len(lengths) / 2  # quarters, halves, wholes

def test_hands_crossing_middle_c_stay_in_their_staves():
    """The right hand walks down to A3 while the left holds low; then the left climbs to D4 while
    the right plays high. A fixed cut at middle C gets both wrong."""
    q = lambda p, s, d=1: QNote(p, Fraction(s), Fraction(s) + Fraction(d), 80)  # noqa: E731
    right = [q(p, i) for i, p in enumerate([67, 65, 64, 62, 60, 59, 57, 59, 60, 64, 67, 72])]
    left = [q(p, 2 * i, 2) for i, p in enumerate([36, 43, 38, 41, 36, 43])]
    right2 = [q(p, 12 + i, 1) for i, p in enumerate([76, 79, 77, 76, 74, 72, 76, 79])]
    left2 = [q(p, 12 + i) for i, p in enumerate([48, 52, 55, 60, 62, 60, 55, 52])]
    notes = sorted(right + left + right2 + left2, key=lambda n: (n.start, n.pitch))
    hands = split_hands(notes)
    rh_ids = {id(n) for n in right + right2}
    assert [h for n, h in zip(notes, hands) if id(n) in rh_ids] == [0] * len(rh_ids)
    assert [h for n, h in zip(notes, hands) if id(n) not in rh_ids] == [1] * (len(notes) - len(rh_ids))


def test_simultaneous_notes_with_different_lengths_get_two_voices():
    q = lambda p, s, e: QNote(p, Fraction(s), Fraction(e), 80)  # noqa: E731
    voices = assign_voices([q(72, 0, 1), q(60, 0, 4), q(74, 1, 2), q(76, 2, 3), q(77, 3, 4), q(64, 0, 4)])
    assert len(voices) == 2
    assert [n.pitch for n in voices[0]] == [72, 74, 76, 77]
    assert sorted(n.pitch for n in voices[1]) == [60, 64]


def test_the_upper_voice_does_not_rest_while_the_lower_plays():
    """A melody note and a held bass note, then a note alone near the bass's pitch: it goes on in
    the first voice (not beside the bass, with the melody resting above it)."""
    q = lambda p, s, e: QNote(p, Fraction(s), Fraction(e), 80)  # noqa: E731
    voices = assign_voices([q(76, 0, 1), q(60, 0, 2), q(62, 2, 4)])
    assert [[n.pitch for n in v] for v in voices] == [[76, 62], [60]]


def test_an_onset_rounded_onto_a_beat_without_onsets_is_quantized():
    grid = BeatGrid(np.arange(8) * 0.5, 4, 2)  # 120 BPM; beat 1 itself has no onset of its own
    late = [Note(60, 0.0, 0.4, 80), Note(62, 0.435, 0.9, 80), Note(64, 1.0, 1.4, 80)]
    assert [(q.pitch, q.start) for q in quantize(late, grid)] == [(60, 0), (62, 1), (64, 2)]


def test_a_half_note_beat_keeps_sixteenths_and_eighth_note_triplets():
    grid = BeatGrid(np.arange(6) * 1.0, 2, 2, beat_note=2)  # 2/2, a half note a second
    quarters = [0, 0.75, 1, 1.5, 2, 2 + 1 / 3, 2 + 2 / 3, 3]  # dotted eighth + sixteenth, triplets
    notes = [Note(60 + i, 0.5 * x, 0.5 * x + 0.1, 80) for i, x in enumerate(quarters)]
    starts = [float(q.start) * grid.beat_quarters for q in quantize(notes, grid)]
    assert starts == pytest.approx(quarters)


def test_a_lone_onset_a_third_into_a_beat_is_a_late_sixteenth_and_two_thirds_make_a_triplet():
    grid = BeatGrid(np.arange(8) * 0.6, 4, 2)  # a quarter = 100
    lone = [Note(60, 0.0, 0.2, 80), Note(62, 0.2, 0.5, 80), Note(64, 0.6, 1.1, 80)]
    assert [q.start for q in quantize(lone, grid)] == [0, Fraction(1, 4), 1]
    triplet = lone[:2] + [Note(63, 0.4, 0.55, 80), lone[2]]
    assert [q.start for q in quantize(triplet, grid)] == [0, Fraction(1, 3), Fraction(2, 3), 1]


def test_a_fading_note_is_held_to_the_next_onset_and_a_silence_of_a_beat_is_a_rest():
    """Issue 28: notes of a staff sounding a third of their time are written up to the next onset
    (chords too); a silence of a beat or more stays a rest; the last note keeps its end."""
    q = lambda p, s, e: QNote(p, Fraction(s), Fraction(e), 80)  # noqa: E731
    staff = [q(60, 0, Fraction(1, 4)), q(64, 0, Fraction(1, 8)), q(62, 1, Fraction(5, 4)), q(64, 2, Fraction(5, 2)),
             q(65, Fraction(9, 2), 5), q(67, 6, 7)]
    assert [(n.pitch, n.start, n.end) for n in legato(staff)] == [
        (60, 0, 1), (64, 0, 1), (62, 1, 2), (64, 2, Fraction(5, 2)), (65, Fraction(9, 2), 5), (67, 6, 7)]


def test_a_hand_lifted_for_a_beat_is_a_rest_and_a_shorter_lift_is_none():
    """A quarter, a quarter rest, a quarter: the silence of a beat is written as a rest, while a
    shorter lift (articulation) is held over. Through build_score, as a job."""
    grid_s = 0.6  # a quarter = 100
    played = [Note(60, 0.0, 0.55, 80), Note(62, 1.2, 1.75, 80), Note(64, 1.8, 2.1, 80), Note(65, 2.4, 2.95, 80),
              Note(67, 3.0, 3.55, 80), Note(65, 3.6, 4.15, 80), Note(64, 4.2, 4.75, 80)]
    result = build_score(played, pieces=[Piece(played, BeatGrid(np.arange(12) * grid_s, 4, 2))])
    (staff,) = result.staves
    assert silences([[(n.start, n.duration) for v in staff.voices for n in v]]) == 1
    assert [(n.pitch, n.start, n.end) for v in staff.voices for n in v][:3] == [(60, 0, 1), (62, 2, 3), (64, 3, 4)]


def test_a_plucked_figure_is_written_without_a_rest_after_every_note():
    """An eighth and two sixteenths to a beat over the harmony of Bach's C-major prelude, each
    note fading after 40 % of its length (a harpsichord as transcribed): every staff plays without
    a rest; written as heard, each eighth would be a sixteenth and a sixteenth rest."""
    bars = [[48, 52, 55, 60, 64], [48, 50, 57, 62, 65], [47, 50, 55, 62, 65], [48, 52, 55, 60, 64]] * 2
    events = [(chord[(k + j) % 5], 4 * b + k + at, length * 0.4)
              for b, chord in enumerate(bars) for k in range(4) for j, (at, length) in enumerate(
                  [(0, 0.5), (0.5, 0.25), (0.75, 0.25)])]
    result = build_score(play(events, 80, accent_every=4))
    for staff in result.staves:
        assert silences([[(n.start, n.duration) for v in staff.voices for n in v]]) == 0
    values = Counter(n.duration * Fraction(result.grid.beat_quarters) for s in result.staves for v in s.voices for n in v)
    assert set(values) == {Fraction(1, 2), Fraction(1, 4)} and values[Fraction(1, 2)] * 2 == values[Fraction(1, 4)]


def test_no_tuplet_but_a_triplet_is_written():
    """A note from a third of a beat to a quarter past the next beat (the third chosen in one beat,
    sixteenths in the next) is a quarter-note triplet tied to a sixteenth, not an 11:12 tuplet;
    in a half-note beat, five sixths of it are a half-note triplet tied to a quarter-note triplet."""
    q = lambda p, s, e: QNote(p, Fraction(s), Fraction(e), 80)  # noqa: E731
    four_four = BeatGrid(np.arange(9) * 0.5, 4, 2)
    bar = written_values([q(60, 0, Fraction(1, 3)), q(62, Fraction(1, 3), Fraction(5, 4)), q(64, Fraction(5, 4), 4)],
                         four_four, 1)[0]
    assert bar[:3] == [(60, pytest.approx(1 / 3), None), (62, pytest.approx(2 / 3), "start"), (62, 0.25, "stop")]
    two_two = BeatGrid(np.arange(5) * 1.0, 2, 2, beat_note=2)
    bar = written_values([q(60, 0, Fraction(1, 6)), q(62, Fraction(1, 6), 1), q(64, 1, 2)], two_two, 1)[0]
    assert bar[1:3] == [(62, pytest.approx(4 / 3), "start"), (62, pytest.approx(1 / 3), "stop")]
    for grid, notes in ((four_four, [q(60, Fraction(1, 3), Fraction(7, 4))]), (two_two, [q(60, Fraction(1, 6), 1)])):
        ((_, els),) = written_measures(Staff("treble", [notes]), grid, 1)[0]
        assert all(note_value(el.quarters) is not None for el in els)  # plain, dotted or triplet


def written_values(notes: list[QNote], grid: BeatGrid, n_measures: int) -> list[list[tuple]]:
    """Each measure's elements as ("rest" or the MIDI pitch, quarter notes, tie)."""
    bars = written_measures(Staff("treble", [notes]), grid, n_measures)
    return [[("rest" if not el.pitches else el.pitches[0], float(el.quarters), el.tie) for el in els]
            for ((_, els),) in bars]


def test_rests_and_compound_notes_show_the_beats():
    """A rest is cut at the beats it crosses unless the bar divides by it; in 6/8 a note across
    the middle of the bar is a dotted quarter tied to what is left; in 4/4 a syncopation stays whole."""
    six_eight = BeatGrid(np.arange(5) * 0.6, 2, 3)  # beats are dotted quarters, an eighth is 1/3
    q = lambda p, s, e: QNote(p, Fraction(s), Fraction(e), 80)  # noqa: E731
    assert written_values([q(72, Fraction(4, 3), 2), q(74, 2, Fraction(10, 3))], six_eight, 2) == [
        [("rest", 1.5, None), ("rest", 0.5, None), (72, 1.0, None)],
        [(74, 1.5, "start"), (74, 0.5, "stop"), ("rest", 1.0, None)]]
    four_four = BeatGrid(np.arange(9) * 0.5, 4, 2)
    assert written_values([q(60, 0, 1), q(62, 3, 4), q(64, 4, 5), q(65, 5, 7), q(67, 7, 8)], four_four, 2) == [
        [(60, 1.0, None), ("rest", 1.0, None), ("rest", 1.0, None), (62, 1.0, None)],
        [(64, 1.0, None), (65, 2.0, None), (67, 1.0, None)]]
    assert written_values([q(60, 0, 2)], four_four, 1) == [[(60, 2.0, None), ("rest", 2.0, None)]]


def test_note_values_are_what_music21_reads_them_as():
    """Every value up to 8 quarter notes on the grids the quantizer uses (and on fifths and
    sevenths): the written type, dots and triplet are music21's own, and a value music21 could only
    write as another tuplet is refused."""
    for q in {Fraction(n, d) for d in (1, 2, 3, 4, 5, 6, 7, 8, 12, 16, 24, 32, 48, 96) for n in range(1, 8 * d + 1)}:
        d = music21.duration.Duration(q)
        theirs = None if d.type in ("complex", "inexpressible") or any(
            (t.numberNotesActual, t.numberNotesNormal) != (3, 2) for t in d.tuplets) else (d.type, d.dots, bool(d.tuplets))
        assert note_value(q) == theirs, q


def test_accidentals_beams_and_triplet_brackets_are_written_as_a_reader_expects(tmp_path):
    """In C major, 4/4: an accidental holds to the end of its bar and a natural cancels it; a note
    tied over the barline shows none, the next one restates it. Four sixteenths share two beams, a
    dotted eighth's sixteenth hooks back to it, three eighth triplets are beamed under one bracket."""
    from tunescribe.notation.score import Passage, ScoreResult

    q = lambda p, s, e: QNote(p, Fraction(s), Fraction(e), 80)  # noqa: E731
    notes = [q(66, 0, Fraction(1, 4)), q(66, Fraction(1, 4), Fraction(1, 2)), q(65, Fraction(1, 2), Fraction(3, 4)),
             q(67, Fraction(3, 4), 1), q(69, 1, Fraction(7, 4)), q(71, Fraction(7, 4), 2),
             q(72, 2, Fraction(7, 3)), q(74, Fraction(7, 3), Fraction(8, 3)), q(72, Fraction(8, 3), 3),
             q(66, 3, 5), q(66, 5, 6)]
    grid = BeatGrid(np.arange(9) * 0.5, 4, 2)
    result = ScoreResult([Passage(1, 2, grid, [(1, Key(0, "major", 0))], notes, [Staff("treble", [notes])])], 2, [])
    root = ET.parse(write_musicxml(result, tmp_path / "marks.musicxml")).getroot()
    assert schema_errors(tmp_path / "marks.musicxml") == []
    written = [(n.findtext("pitch/step") + n.findtext("pitch/alter", ""), n.findtext("accidental"),
                [b.text for b in n.findall("beam")], [t.get("type") for t in n.findall("notations/tuplet")],
                [t.get("type") for t in n.findall("tie")]) for n in root.iter("note") if n.find("rest") is None]
    assert written == [
        ("F1", "sharp", ["begin", "begin"], [], []), ("F1", None, ["continue", "continue"], [], []),
        ("F", "natural", ["continue", "continue"], [], []), ("G", None, ["end", "end"], [], []),
        ("A", None, ["begin"], [], []), ("B", None, ["end", "backward hook"], [], []),
        ("C", None, ["begin"], ["start"], []), ("D", None, ["continue"], [], []), ("C", None, ["end"], ["stop"], []),
        ("F1", "sharp", [], [], ["start"]), ("F1", None, [], [], ["stop"]), ("F1", "sharp", [], [], [])]


def test_a_second_voice_prints_no_rests():
    """Where the inner voice of a staff falls silent its rests are hidden (print-object="no"), the
    melody's rests stay."""
    q = lambda p, s, e: QNote(p, Fraction(s), Fraction(e), 80)  # noqa: E731
    melody, inner = [q(72, 0, 1), q(76, 2, 4)], [q(64, 0, 2)]
    (bar,) = written_measures(Staff("treble", [melody, inner]), BeatGrid(np.arange(5) * 0.5, 4, 2), 1)
    shown = [[(not el.pitches, el.hidden) for el in els] for _, els in bar]
    assert shown == [[(False, False), (True, False), (False, False)], [(False, False), (True, True)]]


def test_zero_notes_is_one_measure_of_rest(tmp_path):
    result = build_score([])
    assert result.n_measures == 1
    back = roundtrip(result, tmp_path)
    assert measures(back) == 1 and not back.recurse().notes and back.recurse().getElementsByClass("Rest")


def test_one_note(tmp_path):
    result = build_score([Note(64, 0.3, 0.9, 90)])
    back = roundtrip(result, tmp_path)
    assert [n.pitch.midi for n in back.recurse().notes] == [64]
    assert result.time_map[-1].seconds >= 0.9


def test_the_score_is_titled_and_credited_to_its_transcriber(tmp_path):
    """The title a user gave (any text), TuneScribe as transcriber, and no "Music21" as composer."""
    path = write_musicxml(build_score([Note(64, 0.3, 0.9, 90)]), tmp_path / "t.musicxml", 'Étude <in> "E" & co')
    assert schema_errors(path) == [] and b"Music21" not in path.read_bytes()
    meta = music21.converter.parse(str(path)).metadata
    assert meta.bestTitle == 'Étude <in> "E" & co' and meta.composer is None
    assert [(c.role, c.name) for c in meta.contributors] == [("transcriber", "TuneScribe")]


def test_fast_passage_and_rubato_end_in_valid_scores(tmp_path):
    rng = np.random.default_rng(1)
    fast = [Note(60 + (i * 5) % 24, i * 0.055, i * 0.055 + 0.05, 80) for i in range(120)]  # ~18 notes a second
    t, rubato = 0.0, []
    for i in range(40):  # tempo swaying between 50 and 130 BPM, with random lengths
        spb = 60 / (90 + 40 * np.sin(i / 5))
        rubato.append(Note(int(rng.integers(55, 80)), t, t + spb * 0.8, int(rng.integers(50, 110))))
        t += spb * rng.choice([0.5, 1, 1, 2])
    for name, notes in (("fast", fast), ("rubato", rubato)):
        result = build_score(notes)
        roundtrip(result, tmp_path, name)
        assert all(q.end > q.start for q in result.qnotes)
        check_time_map(result, notes)


def check_time_map(result, notes):
    seconds = [e.seconds for e in result.time_map]
    assert all(a <= b for a, b in zip(seconds, seconds[1:]))
    assert seconds[0] <= min(n.start_s for n in notes) + 0.05
    assert seconds[-1] >= max(n.end_s for n in notes)
    positions = [(e.measure, e.beat) for e in result.time_map]
    assert positions == sorted(positions) and positions[0] == (1, 1.0)


def test_time_map_and_score_aligned_midi(tmp_path):
    notes = play(two_hand_piece(), 100, accent_every=4)
    result = build_score(notes)
    check_time_map(result, notes)
    assert len(result.time_map) == result.n_measures * 4 + 1
    path = write_score_midi(result, tmp_path / "aligned.mid")
    mid = mido.MidiFile(str(path))
    starts, now = [], 0.0
    for msg in mid:
        now += msg.time
        if msg.type == "note_on" and msg.velocity > 0:
            starts.append(now)
    offset = result.grid.beats_s[0]
    played = sorted({round(n.start_s, 2) for n in notes})
    aligned = sorted({round(s + offset, 2) for s in starts})
    assert len(aligned) == len(played)
    assert max(abs(a - b) for a, b in zip(aligned, played)) < 0.05


def test_key_estimate_and_spelling():
    a_minor = [Note(p, i * 0.4, i * 0.4 + 0.4, 80) for i, p in enumerate([57, 60, 64, 69, 68, 69, 71, 72, 64, 57, 64, 68, 69])]
    key = estimate_key(a_minor)
    assert (key.tonic_name, key.mode, key.fifths) == ("A", "minor", 0)
    assert spelling_table(key)[8] == "G#"
    assert spelling_table(Key(10, "major", -2))[3] == "E-"


def test_key_features_count_notes_and_find_the_tonic_triad():
    """A held C-major chord (6 s) under a quick run of eight black keys (0.8 s): by duration the
    music lies in C major's collection, by count of notes mostly outside it; the tonic triad of
    C major (or of A minor, the same signature) holds the chord's whole duration."""
    chord = [Note(p, 0.0, 2.0, 80) for p in (60, 64, 67)]
    run = [Note(p, 2.0 + 0.1 * i, 2.1 + 0.1 * i, 80) for i, p in enumerate([61, 63, 66, 68, 70, 73, 75, 78])]
    rows = key_features(chord + run)
    x = dict(zip(KEY_FEATURES, rows[5]))  # row 5: no sharps or flats
    assert x["fit"] == pytest.approx(6.0 / 6.8)
    assert x["count_fit"] == pytest.approx(3 / 11)
    assert x["tonic_triad"] == pytest.approx(6.0 / 6.8)
    one_sharp = dict(zip(KEY_FEATURES, rows[6]))  # E minor's triad holds E and G
    assert one_sharp["tonic_triad"] == pytest.approx(4.0 / 6.8)


def test_ten_minute_piece_ends_in_a_valid_score(tmp_path):
    """3600 notes; every one is written, in bars that last the ten minutes (how long it takes:
    benchmarks/notation_long.py)."""
    notes = long_piece(10)
    result = build_score(notes)
    back = roundtrip(result, tmp_path)
    struck = sum(len(n.pitches) for n in back.recurse().notes if n.tie is None or n.tie.type == "start")
    assert struck == len(result.qnotes) >= 0.95 * len(notes)
    assert result.n_measures * result.grid.beats_per_bar * 60 / result.grid.tempo_bpm == pytest.approx(600, rel=0.02)
    check_time_map(result, notes)


def test_the_time_map_covers_the_recording(tmp_path):
    """A scale at 120 BPM over clicks on every beat, then two seconds of silence after the last
    note: the time map runs to the recording's end. (Whether 120 equal notes a minute grouped in
    threes are quarters in 3/4 or eighths in 6/8 is the meter model's call, not checked here.)"""
    sr = 16_000
    notes = play(C_MAJOR_SCALE_3_4, 120, accent_every=3)
    audio = np.zeros(int((notes[-1].end_s + 2.0) * sr), np.float32)
    for k in range(int(notes[-1].end_s / 0.5) + 1):
        i = int(k * 0.5 * sr)
        audio[i:i + 400] += np.sin(np.arange(400) * 0.3).astype(np.float32) * (0.9 if k % 3 == 0 else 0.4)
    result = build_score(notes, audio, sr)
    beats = result.grid.to_beats([n.start_s for n in notes])
    assert beats.min() > -0.1 and beats.max() < result.n_measures * result.grid.beats_per_bar  # every note in a bar
    assert result.time_map[-1].seconds >= len(audio) / sr
    roundtrip(result, tmp_path)


def test_sustain_pedal_is_marked_under_the_lowest_staff_and_held_in_the_score_midi(tmp_path):
    """A pedal line (Ped. ___|) over the notes a pedal span holds, in valid MusicXML; CC64 in the score MIDI;
    the written note values are the key releases, not the sound the pedal holds."""
    from tunescribe.notation.validate import schema_errors
    from tunescribe.pedal import PedalSpan

    bass = [Note(48 + (i % 4) * 4, 0.5 * i, 0.5 * i + 0.2, 80) for i in range(16)]  # staccato keys
    melody = [Note(72 + (i % 3) * 2, 0.5 * i, 0.5 * i + 0.45, 90) for i in range(16)]
    plain = build_score(bass + melody)
    result = build_score(bass + melody, pedal=[PedalSpan(0.0, 1.95), PedalSpan(2.0, 3.95)])
    path = write_musicxml(result, tmp_path / "pedal.musicxml", "Pedal")
    xml = path.read_text()
    assert xml.count('<pedal') == 4 and xml.count('type="start"') >= 2, xml.count('<pedal')
    assert schema_errors(path) == []
    assert [float(q.end - q.start) for q in result.qnotes] == [float(q.end - q.start) for q in plain.qnotes]
    pedal = [m for m in mido.MidiFile(str(write_score_midi(result, tmp_path / "s.mid"))) if m.type == "control_change"]
    assert [(m.control, m.value) for m in pedal] == [(64, 127), (64, 0), (64, 127), (64, 0)]
