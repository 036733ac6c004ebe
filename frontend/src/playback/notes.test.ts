import { Midi } from "@tonejs/midi";
import { notesEnd, notesFromMidi } from "./notes";

/** A one-track MIDI: C4 struck at 0 s and again at 2 s, E4 at 0.5 s; the pedal down 0.2-3 s. */
function pedalledMidi(): ArrayBuffer {
  const midi = new Midi();
  const track = midi.addTrack();
  track.addNote({ midi: 60, time: 0, duration: 0.5, velocity: 0.8 });
  track.addNote({ midi: 64, time: 0.5, duration: 0.3, velocity: 0.8 });
  track.addNote({ midi: 60, time: 2, duration: 0.4, velocity: 0.8 });
  track.addNote({ midi: 67, time: 3.5, duration: 0.2, velocity: 0.8 });
  track.addCC({ number: 64, value: 1, time: 0.2 });
  track.addCC({ number: 64, value: 0, time: 3 });
  const bytes = midi.toArray();
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

describe("notesFromMidi", () => {
  it("sounds notes on while the sustain pedal holds them, keeping the key releases", async () => {
    const notes = await notesFromMidi(pedalledMidi());
    const by = (pitch: number, startS: number) => notes.find((n) => n.pitch === pitch && n.startS === startS)!;
    expect(by(60, 0).endS).toBeCloseTo(0.5);
    expect(by(60, 0).soundEndS).toBeCloseTo(2); // cut where the key is struck again
    expect(by(64, 0.5).soundEndS).toBeCloseTo(3); // until the pedal lifts
    expect(by(60, 2).soundEndS).toBeCloseTo(3);
    expect(by(67, 3.5).soundEndS).toBeCloseTo(3.7); // after the pedal: as played
    expect(notesEnd(notes)).toBeCloseTo(3.7);
  });
});
