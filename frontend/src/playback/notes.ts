/** A note of the transcription, in seconds of the original recording. */
export interface PlayedNote {
  /** MIDI note number */
  pitch: number;
  startS: number;
  /** key release */
  endS: number;
  /** where the sound stops: the key release, or later while the sustain pedal (CC64) holds it */
  soundEndS: number;
  /** 0..1 */
  velocity: number;
}

const SUSTAIN = 64;

/** Spans [down, up) of the sustain pedal from a track's CC64 events (value >= 0.5 is down). */
function pedalSpans(events: { time: number; value: number }[], endS: number): [number, number][] {
  const spans: [number, number][] = [];
  let down: number | null = null;
  for (const { time, value } of [...events].sort((a, b) => a.time - b.time)) {
    if (value >= 0.5 && down === null) down = time;
    else if (value < 0.5 && down !== null) {
      spans.push([down, time]);
      down = null;
    }
  }
  if (down !== null) spans.push([down, endS]);
  return spans;
}

/** Each note sounds on while the pedal is down at its release, until the pedal lifts or its key
 * is struck again (as tunescribe.pedal.sounding reads the same file). */
function sustained(notes: PlayedNote[], spans: [number, number][]): PlayedNote[] {
  return notes.map((note) => {
    const span = spans.find(([down, up]) => down <= note.endS && note.endS < up);
    if (!span) return note;
    const nextStrike = notes.find((other) => other.pitch === note.pitch && other.startS > note.startS);
    const soundEndS = Math.max(note.endS, Math.min(span[1], nextStrike?.startS ?? Infinity));
    return { ...note, soundEndS };
  });
}

/** The notes of a MIDI file (all tracks), sorted by start. */
export async function notesFromMidi(data: ArrayBuffer): Promise<PlayedNote[]> {
  const { Midi } = await import("@tonejs/midi");
  const midi = new Midi(data);
  const notes: PlayedNote[] = [];
  for (const track of midi.tracks) {
    if (track.instrument.percussion) continue;
    const played = track.notes.map((note) => {
      const endS = note.time + Math.max(note.duration, 0.01);
      return { pitch: note.midi, startS: note.time, endS, soundEndS: endS, velocity: note.velocity };
    });
    const spans = pedalSpans(track.controlChanges[SUSTAIN] ?? [], midi.duration);
    notes.push(...sustained(played, spans));
  }
  return notes.sort((a, b) => a.startS - b.startS || a.pitch - b.pitch);
}

export function notesEnd(notes: PlayedNote[]): number {
  return notes.reduce((end, note) => Math.max(end, note.soundEndS), 0);
}
