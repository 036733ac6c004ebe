import { Midi } from "@tonejs/midi";
import type { TimeMapEntry } from "../api/types";

/** A performance MIDI file: C major arpeggio, one note every half second. */
export function arpeggioMidi(): ArrayBuffer {
  const midi = new Midi();
  const track = midi.addTrack();
  [60, 64, 67, 72].forEach((pitch, i) => track.addNote({ midi: pitch, time: i * 0.5, duration: 0.45, velocity: 0.8 }));
  const bytes = midi.toArray();
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

/**
 * A time map of `measures` bars of `beats` beats, one beat every `beatS` seconds, starting at `startS`,
 * closed by the entry for the end of the last bar (as the worker writes it).
 */
export function evenMap(measures: number, beats: number, beatS: number, startS = 0): TimeMapEntry[] {
  const map: TimeMapEntry[] = [];
  for (let i = 0; i < measures * beats; i++) {
    map.push({ measure: Math.floor(i / beats) + 1, beat: (i % beats) + 1, seconds: startS + i * beatS });
  }
  map.push({ measure: measures, beat: beats + 1, seconds: startS + measures * beats * beatS });
  return map;
}

/** Two measures of 4/4 at 120 BPM. */
export const TIME_MAP: TimeMapEntry[] = [
  ...[0, 1, 2, 3, 4, 5, 6, 7].map((i) => ({ measure: Math.floor(i / 4) + 1, beat: (i % 4) + 1, seconds: i * 0.5 })),
  { measure: 2, beat: 5, seconds: 4 },
];

export const MUSICXML = `<?xml version="1.0"?><score-partwise version="4.0"><part-list/></score-partwise>`;
