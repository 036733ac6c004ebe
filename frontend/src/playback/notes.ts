/** A note of the transcription, in seconds of the original recording. */
export interface PlayedNote {
  /** MIDI note number */
  pitch: number;
  startS: number;
  endS: number;
  /** 0..1 */
  velocity: number;
}

/** The notes of a MIDI file (all tracks), sorted by start. */
export async function notesFromMidi(data: ArrayBuffer): Promise<PlayedNote[]> {
  const { Midi } = await import("@tonejs/midi");
  const midi = new Midi(data);
  const notes: PlayedNote[] = [];
  for (const track of midi.tracks) {
    if (track.instrument.percussion) continue;
    for (const note of track.notes) {
      notes.push({
        pitch: note.midi,
        startS: note.time,
        endS: note.time + Math.max(note.duration, 0.01),
        velocity: note.velocity,
      });
    }
  }
  return notes.sort((a, b) => a.startS - b.startS || a.pitch - b.pitch);
}

export function notesEnd(notes: PlayedNote[]): number {
  return notes.reduce((end, note) => Math.max(end, note.endS), 0);
}
