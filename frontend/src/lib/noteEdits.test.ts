import {
  addNote,
  applyEdits,
  changeNote,
  deleteNote,
  fromApiEdits,
  hasCorrections,
  redo,
  startHistory,
  toApiEdits,
  undo,
} from "./noteEdits";

const original = [
  { pitch: 60, startS: 0, endS: 1, soundEndS: 1.5, velocity: 0.8 },
  { pitch: 64, startS: 1, endS: 2, soundEndS: 2, velocity: 0.5 },
  { pitch: 67, startS: 2, endS: 3, soundEndS: 3, velocity: 0.5 },
];

describe("note corrections", () => {
  it("apply a pitch change, a deletion and an added note over the original notes", () => {
    let history = startHistory();
    history = changeNote(history, original, { original: 0 }, { pitch: 62, startS: 0.5, durationS: 1 });
    history = deleteNote(history, { original: 1 });
    history = addNote(history, { pitch: 72, startS: 0.25, durationS: 0.5 });
    const notes = applyEdits(original, history.present);
    expect(notes.map((n) => [n.pitch, n.startS, n.endS])).toEqual([
      [72, 0.25, 0.75],
      [62, 0.5, 1.5],
      [67, 2, 3],
    ]);
    // the pedal's sound past the release moves with the note
    expect(notes[1].soundEndS).toBe(2);
    expect(notes[1].ref).toEqual({ original: 0 });
    expect(notes[0].ref).toEqual({ added: 0 });
  });

  it("send the API only what differs from the original, by original index, with additions last", () => {
    let history = startHistory();
    history = addNote(history, { pitch: 72, startS: 0.25, durationS: 0.5 });
    history = changeNote(history, original, { original: 2 }, { pitch: 66, startS: 2, durationS: 1 });
    history = changeNote(history, original, { original: 0 }, { pitch: 60, startS: 0.1234, durationS: 2 });
    history = deleteNote(history, { original: 1 });
    expect(toApiEdits(history.present)).toEqual([
      { op: "change", index: 0, start_s: 0.123, duration_s: 2 },
      { op: "change", index: 2, pitch: 66 },
      { op: "delete", index: 1 },
      { op: "add", pitch: 72, start_s: 0.25, duration_s: 0.5 },
    ]);
  });

  it("forget a note moved back where it was", () => {
    let history = changeNote(startHistory(), original, { original: 1 }, { pitch: 65, startS: 1, durationS: 1 });
    history = changeNote(history, original, { original: 1 }, { pitch: 64, startS: 1, durationS: 1 });
    expect(hasCorrections(history.present)).toBe(false);
    expect(toApiEdits(history.present)).toEqual([]);
  });

  it("keep corrections within what the API takes", () => {
    const history = changeNote(startHistory(), original, { original: 1 }, { pitch: 140, startS: -1, durationS: 0 });
    expect(toApiEdits(history.present)).toEqual([{ op: "change", index: 1, pitch: 127, start_s: 0, duration_s: 0.05 }]);
  });

  it("undo and redo step by step, and a new edit clears what could be redone", () => {
    let history = startHistory();
    history = changeNote(history, original, { original: 0 }, { pitch: 61, startS: 0, durationS: 1 });
    history = deleteNote(history, { original: 2 });
    history = undo(history);
    expect(applyEdits(original, history.present).map((n) => n.pitch)).toEqual([61, 64, 67]);
    history = undo(history);
    expect(hasCorrections(history.present)).toBe(false);
    expect(undo(history)).toBe(history);
    history = redo(redo(history));
    expect(applyEdits(original, history.present).map((n) => n.pitch)).toEqual([61, 64]);
    expect(redo(history)).toBe(history);
    history = addNote(undo(history), { pitch: 50, startS: 0, durationS: 1 });
    expect(history.future).toEqual([]);
  });

  it("read back a saved revision's edits into the same corrections", () => {
    let history = startHistory();
    history = changeNote(history, original, { original: 1 }, { pitch: 63, startS: 1.5, durationS: 1 });
    history = deleteNote(history, { original: 0 });
    history = addNote(history, { pitch: 40, startS: 3, durationS: 0.5 });
    const edits = toApiEdits(history.present);
    expect(toApiEdits(fromApiEdits(edits))).toEqual(edits);
    expect(fromApiEdits(edits)).toEqual(history.present);
  });
});
