import { useState } from "react";
import type { Artifact } from "../api/jobs";
import type { JobPublic } from "../api/types";
import { downloadArtifact, fileStem } from "../lib/download";
import { Alert } from "./Alert";

const DOWNLOADS: { artifact: Artifact; label: string; extension: string | null }[] = [
  { artifact: "midi", label: "MIDI", extension: "mid" },
  { artifact: "musicxml", label: "MusicXML", extension: "musicxml" },
  { artifact: "audio", label: "Original audio", extension: null },
];

/** MIDI, MusicXML and the original upload, saved with the session's token. */
export function DownloadButtons({ job }: { job: JobPublic }) {
  const [busy, setBusy] = useState<Artifact | null>(null);
  const [error, setError] = useState<string | null>(null);
  const stem = fileStem(job.title?.trim() || job.filename);

  async function download(artifact: Artifact, extension: string | null) {
    setBusy(artifact);
    setError(null);
    try {
      await downloadArtifact(job.id, artifact, extension ? `${stem}.${extension}` : job.filename);
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
        {DOWNLOADS.map(({ artifact, label, extension }) => (
          <li key={artifact}>
            <button
              type="button"
              className="button-secondary"
              onClick={() => download(artifact, extension)}
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
      {error && <Alert>{error}</Alert>}
    </div>
  );
}
