/**
 * Corrections to a transcription's notes, kept against the original notes (numbered from 0 by start,
 * then pitch, as the API numbers them) so that what is saved is always the whole set, never a diff of a
 * diff. Pure: the piano roll shows `applyEdits`, the save button sends `toApiEdits`.
 */
import type { NoteEditIn } from "../api/types";
import type { PlayedNote } from "../playback/notes";

export interface NoteFields {
  /** MIDI note number */
  pitch: number;
  startS: number;
  durationS: number;
}

/** What the user has done, as the net result against the original notes. */
export interface Corrections {
  /** original index -> the fields changed */
  changed: Record<number, Partial<NoteFields>>;
  deleted: number[];
  added: NoteFields[];
}

/** A note as the piano roll shows it: `ref` says which original (or added) note it is. */
export interface EditedNote extends PlayedNote {
  ref: NoteRef;
}

export type NoteRef = { original: number } | { added: number };

export interface EditHistory {
  past: Corrections[];
  present: Corrections;
  future: Corrections[];
}

export const NO_CORRECTIONS: Corrections = { changed: {}, deleted: [], added: [] };

/** the MIDI range the API takes (tunescribe.edits) */
export const LOWEST_PITCH = 0;
export const HIGHEST_PITCH = 127;
/** the shortest note a drag can make, in seconds */
export const MIN_DURATION_S = 0.05;
/** an added note's velocity (0..1): the API's default of 80 */
const ADDED_VELOCITY = 80 / 127;

export function startHistory(present: Corrections = NO_CORRECTIONS): EditHistory {
  return { past: [], present, future: [] };
}

export function sameRef(a: NoteRef | null, b: NoteRef | null): boolean {
  if (!a || !b) return false;
  return "original" in a ? "original" in b && a.original === b.original : "added" in b && a.added === b.added;
}

/** The notes with the corrections applied, sorted by start then pitch. */
export function applyEdits(original: PlayedNote[], corrections: Corrections): EditedNote[] {
  const deleted = new Set(corrections.deleted);
  const notes: EditedNote[] = [];
  original.forEach((note, index) => {
    if (deleted.has(index)) return;
    const change = corrections.changed[index];
    notes.push({ ...withFields(note, change ?? {}), ref: { original: index } });
  });
  corrections.added.forEach((fields, index) => {
    const endS = fields.startS + fields.durationS;
    notes.push({
      pitch: fields.pitch,
      startS: fields.startS,
      endS,
      soundEndS: endS,
      velocity: ADDED_VELOCITY,
      ref: { added: index },
    });
  });
  return notes.sort((a, b) => a.startS - b.startS || a.pitch - b.pitch);
}

function withFields(note: PlayedNote, change: Partial<NoteFields>): PlayedNote {
  const startS = change.startS ?? note.startS;
  const endS = startS + (change.durationS ?? note.endS - note.startS);
  // the pedal's extra sound is kept as a length past the key release
  return { ...note, pitch: change.pitch ?? note.pitch, startS, endS, soundEndS: endS + (note.soundEndS - note.endS) };
}

/** Limits a correction to what the API takes: a MIDI pitch, a start at or after 0, a short but real length. */
export function clampFields(fields: NoteFields): NoteFields {
  return {
    pitch: Math.min(HIGHEST_PITCH, Math.max(LOWEST_PITCH, Math.round(fields.pitch))),
    startS: Math.max(0, fields.startS),
    durationS: Math.max(MIN_DURATION_S, fields.durationS),
  };
}

function record(history: EditHistory, present: Corrections): EditHistory {
  return { past: [...history.past, history.present], present, future: [] };
}

/** Sets a note's pitch, start and length. */
export function changeNote(
  history: EditHistory,
  original: PlayedNote[],
  ref: NoteRef,
  fields: NoteFields,
): EditHistory {
  const next = clampFields(fields);
  const { present } = history;
  if ("added" in ref) {
    const added = present.added.map((note, i) => (i === ref.added ? next : note));
    return record(history, { ...present, added });
  }
  const base = original[ref.original];
  const change: Partial<NoteFields> = {};
  // only what differs from the original is a change; a note moved back is no correction at all
  if (next.pitch !== base.pitch) change.pitch = next.pitch;
  if (!near(next.startS, base.startS)) change.startS = next.startS;
  if (!near(next.durationS, base.endS - base.startS)) change.durationS = next.durationS;
  const changed = { ...present.changed };
  if (Object.keys(change).length === 0) delete changed[ref.original];
  else changed[ref.original] = change;
  return record(history, { ...present, changed });
}

export function deleteNote(history: EditHistory, ref: NoteRef): EditHistory {
  const { present } = history;
  if ("added" in ref) return record(history, { ...present, added: present.added.filter((_, i) => i !== ref.added) });
  const changed = { ...present.changed };
  delete changed[ref.original];
  return record(history, { ...present, changed, deleted: [...present.deleted, ref.original].sort((a, b) => a - b) });
}

/** Adds a note; its ref is `{ added: history.present.added.length }`. */
export function addNote(history: EditHistory, fields: NoteFields): EditHistory {
  return record(history, { ...history.present, added: [...history.present.added, clampFields(fields)] });
}

export function undo(history: EditHistory): EditHistory {
  if (history.past.length === 0) return history;
  return {
    past: history.past.slice(0, -1),
    present: history.past[history.past.length - 1],
    future: [history.present, ...history.future],
  };
}

export function redo(history: EditHistory): EditHistory {
  if (history.future.length === 0) return history;
  return { past: [...history.past, history.present], present: history.future[0], future: history.future.slice(1) };
}

export function hasCorrections(corrections: Corrections): boolean {
  return Object.keys(corrections.changed).length > 0 || corrections.deleted.length > 0 || corrections.added.length > 0;
}

/** The body of `POST /api/jobs/{id}/revisions`: changes and deletions by original index, then additions. */
export function toApiEdits(corrections: Corrections): NoteEditIn[] {
  const edits: NoteEditIn[] = [];
  for (const [index, change] of Object.entries(corrections.changed).sort(([a], [b]) => Number(a) - Number(b))) {
    const edit: NoteEditIn = { op: "change", index: Number(index) };
    if (change.pitch !== undefined) edit.pitch = change.pitch;
    if (change.startS !== undefined) edit.start_s = round(change.startS);
    if (change.durationS !== undefined) edit.duration_s = round(change.durationS);
    edits.push(edit);
  }
  for (const index of corrections.deleted) edits.push({ op: "delete", index });
  for (const note of corrections.added) {
    edits.push({ op: "add", pitch: note.pitch, start_s: round(note.startS), duration_s: round(note.durationS) });
  }
  return edits;
}

/** The corrections a saved revision carries, to go on correcting from there. */
export function fromApiEdits(edits: NoteEditIn[]): Corrections {
  const corrections: Corrections = { changed: {}, deleted: [], added: [] };
  for (const edit of edits) {
    if (edit.op === "add" && edit.pitch != null && edit.start_s != null && edit.duration_s != null) {
      corrections.added.push({ pitch: edit.pitch, startS: edit.start_s, durationS: edit.duration_s });
    } else if (edit.op === "delete" && edit.index != null) {
      corrections.deleted.push(edit.index);
    } else if (edit.op === "change" && edit.index != null) {
      const change: Partial<NoteFields> = { ...corrections.changed[edit.index] };
      if (edit.pitch != null) change.pitch = edit.pitch;
      if (edit.start_s != null) change.startS = edit.start_s;
      if (edit.duration_s != null) change.durationS = edit.duration_s;
      corrections.changed[edit.index] = change;
    }
  }
  return corrections;
}

/** milliseconds are finer than any drag on the roll */
function round(seconds: number): number {
  return Math.round(seconds * 1000) / 1000;
}

function near(a: number, b: number): boolean {
  return Math.abs(a - b) < 0.0005;
}
