import { useMemo, useState } from "react";
import type { NoteEditIn } from "../api/types";
import {
  addNote,
  applyEdits,
  changeNote,
  deleteNote,
  type EditedNote,
  type EditHistory,
  fromApiEdits,
  type NoteFields,
  type NoteRef,
  redo,
  startHistory,
  toApiEdits,
  undo,
} from "../lib/noteEdits";
import type { PlayedNote } from "../playback/notes";

/**
 * The corrections being made in the piano roll, over the original notes, starting from those of the
 * revision shown (`savedEdits`, read once when the page opens); the selected note; undo and redo.
 */
export function useNoteCorrections(original: PlayedNote[], savedEdits: NoteEditIn[]) {
  const [history, setHistory] = useState<EditHistory>(() => startHistory(fromApiEdits(savedEdits)));
  const [selected, setSelected] = useState<NoteRef | null>(null);
  const notes: EditedNote[] = useMemo(() => applyEdits(original, history.present), [original, history.present]);
  const edits = useMemo(() => toApiEdits(history.present), [history.present]);
  // compared in the API's own form, so that the order the edits were made in does not count
  const unsaved = JSON.stringify(edits) !== JSON.stringify(toApiEdits(fromApiEdits(savedEdits)));

  return {
    notes,
    edits,
    unsaved,
    selected,
    select: setSelected,
    canUndo: history.past.length > 0,
    canRedo: history.future.length > 0,
    undo: () => setHistory(undo),
    redo: () => setHistory(redo),
    change: (ref: NoteRef, fields: NoteFields) => setHistory((h) => changeNote(h, original, ref, fields)),
    remove: (ref: NoteRef) => {
      setHistory((h) => deleteNote(h, ref));
      // an added note's place in the list (its ref) is taken by the next one: select nothing
      setSelected(null);
    },
    add: (fields: NoteFields) => {
      setSelected({ added: history.present.added.length });
      setHistory((h) => addNote(h, fields));
    },
  };
}

export type NoteCorrections = ReturnType<typeof useNoteCorrections>;
