import { useState } from "react";
import type { Artifact } from "../api/jobs";
import type { JobPublic } from "../api/types";
import { downloadArtifact, fileStem } from "../lib/download";
import { CONCERT_PITCH, transpositionLabel } from "../lib/transpose";
import { Alert } from "./Alert";

/** `written`: a score download, made in the key chosen on the score view */
const DOWNLOADS: { artifact: Artifact; label: string; extension: string | null; written: boolean }[] = [
  { artifact: "midi", label: "MIDI", extension: "mid", written: false },
  { artifact: "musicxml", label: "MusicXML", extension: "musicxml", written: true },
  { artifact: "pdf", label: "PDF", extension: "pdf", written: true },
  { artifact: "audio", label: "Original audio", extension: null, written: false },
];

/**
 * MIDI, MusicXML, the printable PDF and the original upload, saved with the session's token; MusicXML and
 * PDF written in `transpose` (lib/transpose.ts) when one is chosen; the files of `revision` (0: the
 * original transcription; absent: the server's latest).
 */
export function DownloadButtons({
  job,
  transpose = CONCERT_PITCH,
  revision,
}: {
  job: JobPublic;
  transpose?: string;
  revision?: number;
}) {
  const [busy, setBusy] = useState<Artifact | null>(null);
  const [error, setError] = useState<string | null>(null);
  const stem = fileStem(job.title?.trim() || job.filename);

  async function download(artifact: Artifact, extension: string | null, written: boolean) {
    setBusy(artifact);
    setError(null);
    const key = written && transpose !== CONCERT_PITCH ? transpose : undefined;
    const name = extension ? `${stem}${key ? ` (${key})` : ""}.${extension}` : job.filename;
    try {
      await downloadArtifact(job.id, artifact, name, { transpose: key, revision });
    } catch (e) {
      setError(`The download failed: ${(e as Error).message}`);
    } finally {
      setBusy(null);
    }
  }

  return (
    <div className="downloads">
      <h2 className="visually-hidden">Downloads</h2>
      <ul className="download-list">
        {DOWNLOADS.map(({ artifact, label, extension, written }) => (
          <li key={artifact}>
            <button
              type="button"
              className="button-secondary"
              onClick={() => download(artifact, extension, written)}
              disabled={busy !== null}
              aria-label={`Download ${label}`}
            >
              <svg viewBox="0 0 24 24" width="16" height="16" aria-hidden="true">
                <path d="M11 3h2v9l3-3 1.4 1.4L12 15.8l-5.4-5.4L8 9l3 3zM5 18h14v2H5z" fill="currentColor" />
              </svg>
              {busy === artifact ? "Preparing…" : label}
            </button>
          </li>
        ))}
      </ul>
      {transpose !== CONCERT_PITCH && (
        <p className="muted download-key">MusicXML and PDF written for: {transpositionLabel(transpose)}</p>
      )}
      {error && <Alert>{error}</Alert>}
    </div>
  );
}
