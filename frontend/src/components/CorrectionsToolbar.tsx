import type { KeyboardEvent } from "react";
import { JobStatus, type RevisionPublic } from "../api/types";
import type { NoteCorrections } from "../hooks/useNoteCorrections";
import { Alert } from "./Alert";
import { ProgressBar } from "./ProgressBar";

interface Props {
  corrections: NoteCorrections;
  /** the revision the page shows (0: the original transcription) */
  shown: number;
  /** the newest revision, to tell its progress or why it failed */
  latest: RevisionPublic | null;
  saving: boolean;
  saveError: Error | null;
  onSave(): void;
}

/** Ctrl+Z undoes, Ctrl+Shift+Z (or Ctrl+Y) redoes, anywhere in the piano roll's panel. */
export function undoKeys(corrections: NoteCorrections) {
  return (e: KeyboardEvent) => {
    if (!(e.ctrlKey || e.metaKey)) return;
    const key = e.key.toLowerCase();
    if (key === "z" && !e.shiftKey) corrections.undo();
    else if ((key === "z" && e.shiftKey) || key === "y") corrections.redo();
    else return;
    e.preventDefault();
  };
}

/** Undo, redo, delete the selected note, save the corrections; then the revision's progress or failure. */
export function CorrectionsToolbar({ corrections, shown, latest, saving, saveError, onSave }: Props) {
  const making = latest !== null && (latest.status === JobStatus.queued || latest.status === JobStatus.running);
  const empty = corrections.edits.length === 0;
  return (
    <div className="corrections stack">
      <div className="corrections-buttons">
        <button type="button" className="button-secondary" onClick={corrections.undo} disabled={!corrections.canUndo}>
          Undo
        </button>
        <button type="button" className="button-secondary" onClick={corrections.redo} disabled={!corrections.canRedo}>
          Redo
        </button>
        <button
          type="button"
          className="button-secondary"
          onClick={() => corrections.selected && corrections.remove(corrections.selected)}
          disabled={!corrections.selected}
        >
          Delete note
        </button>
        <button type="button" onClick={onSave} disabled={!corrections.unsaved || empty || saving || making}>
          {saving ? "Saving…" : "Save corrections"}
        </button>
        <span className="muted">
          {corrections.unsaved
            ? empty
              ? "Every correction is undone: nothing to save."
              : "Unsaved corrections."
            : shown > 0
              ? `Showing revision ${shown}, with your corrections.`
              : "The notes as transcribed."}
        </span>
      </div>
      {saveError && <Alert>The corrections could not be saved: {saveError.message}</Alert>}
      {latest && making && (
        <ProgressBar value={latest.progress} label={`Making revision ${latest.number} from your corrections`} />
      )}
      {latest?.status === JobStatus.failed && (
        <Alert>
          Revision {latest.number} could not be made: {latest.error ?? "no reason was given"}. The page shows{" "}
          {shown > 0 ? `revision ${shown}` : "the original transcription"}.
        </Alert>
      )}
    </div>
  );
}
