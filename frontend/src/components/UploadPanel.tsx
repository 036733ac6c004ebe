import { type DragEvent, type FormEvent, useId, useRef, useState } from "react";
import { useNavigate } from "react-router";
import { Instrument } from "../api/types";
import { ACCEPT_AUDIO, checkAudioFile, describeLimits } from "../lib/audioFile";
import { formatBytes } from "../lib/format";
import { useLimits } from "../hooks/useLimits";
import { useUpload } from "../hooks/useUpload";
import { Alert } from "./Alert";
import { InstrumentChoice } from "./InstrumentChoice";
import { ProgressBar } from "./ProgressBar";
import { TextField } from "./TextField";

/** Choose or drop a recording, give it a title, say what it is (Auto by default), send it; then the job page. */
export function UploadPanel() {
  const navigate = useNavigate();
  const { state, upload, cancel, fail, reset } = useUpload();
  const limits = useLimits();
  const [file, setFile] = useState<File | null>(null);
  const [title, setTitle] = useState("");
  const [instrument, setInstrument] = useState<Instrument>(Instrument.auto);
  const [dragging, setDragging] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  const id = useId();
  const uploading = state.phase === "uploading";

  function choose(chosen: File | undefined) {
    if (!chosen) return;
    const problem = checkAudioFile(chosen, limits.data);
    if (problem) {
      setFile(null);
      fail(problem);
    } else {
      setFile(chosen);
      reset();
    }
  }

  function onDrop(event: DragEvent) {
    event.preventDefault();
    setDragging(false);
    if (!uploading) choose(event.dataTransfer.files[0]);
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (!file) {
      fail("Choose a recording first.");
      return;
    }
    const job = await upload(file, title, instrument);
    if (job) navigate(`/jobs/${job.id}`);
  }

  return (
    <form className="upload-panel stack" onSubmit={submit} aria-labelledby={`${id}-heading`}>
      <h1 id={`${id}-heading`}>New transcription</h1>
      <div
        className={`drop-zone${dragging ? " is-dragging" : ""}${file ? " has-file" : ""}`}
        onDragOver={(e) => {
          e.preventDefault();
          if (!uploading) setDragging(true);
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={onDrop}
        data-testid="drop-zone"
      >
        <svg className="drop-icon" viewBox="0 0 24 24" width="40" height="40" aria-hidden="true">
          <path d="M12 3l5 5h-3v6h-4V8H7zm-7 14h14v3H5z" fill="currentColor" />
        </svg>
        <p className="drop-text">
          {file ? (
            <>
              <strong>{file.name}</strong> <span className="muted">({formatBytes(file.size)})</span>
            </>
          ) : (
            "Drop a recording here"
          )}
        </p>
        <input
          ref={input}
          id={`${id}-file`}
          className="visually-hidden"
          type="file"
          accept={ACCEPT_AUDIO}
          disabled={uploading}
          aria-describedby={`${id}-file-hint`}
          onChange={(e) => {
            choose(e.target.files?.[0]);
            e.target.value = "";
          }}
        />
        <label htmlFor={`${id}-file`} className="button-secondary file-button">
          Choose a file
        </label>
        <p id={`${id}-file-hint`} className="hint">
          WAV, MP3, FLAC, OGG, M4A…{limits.data && ` ${describeLimits(limits.data)}.`}
        </p>
      </div>

      <TextField
        id={`${id}-title`}
        label={
          <>
            Title <span className="muted">(optional)</span>
          </>
        }
        type="text"
        maxLength={200}
        value={title}
        disabled={uploading}
        placeholder={file ? file.name.replace(/\.[^.]+$/, "") : "e.g. Gymnopédie No. 1"}
        onChange={(e) => setTitle(e.target.value)}
      />

      <InstrumentChoice value={instrument} disabled={uploading} onChange={setInstrument} />

      {state.phase === "error" && <Alert>{state.message}</Alert>}
      {uploading && <ProgressBar value={state.progress} label="Upload progress" />}

      <div className="actions">
        {uploading ? (
          <button type="button" className="button-secondary" onClick={cancel}>
            Cancel upload
          </button>
        ) : (
          <button type="submit" className="button-primary" disabled={!file}>
            Transcribe
          </button>
        )}
      </div>
    </form>
  );
}
