import { ApiError, apiFetch, apiJson, detailMessage, sessionExpired, tokenStore } from "./client";
import type {
  Instrument,
  JobPublic,
  JobsPublic,
  Limits,
  NoteEditIn,
  RevisionPublic,
  RevisionsPublic,
  TimeMapEntry,
} from "./types";

export interface JobsQuery {
  limit: number;
  offset: number;
  q?: string;
}

export function listJobs({ limit, offset, q }: JobsQuery, signal?: AbortSignal): Promise<JobsPublic> {
  const params = new URLSearchParams({ limit: String(limit), offset: String(offset) });
  if (q) params.set("q", q);
  return apiJson<JobsPublic>(`/api/jobs?${params}`, { signal });
}

export function getJob(id: string, signal?: AbortSignal): Promise<JobPublic> {
  return apiJson<JobPublic>(`/api/jobs/${encodeURIComponent(id)}`, { signal });
}

export function deleteJob(id: string): Promise<void> {
  return apiJson<void>(`/api/jobs/${encodeURIComponent(id)}`, { method: "DELETE" });
}

export type Artifact = "midi" | "musicxml" | "pdf" | "audio" | "timemap";

export interface ArtifactOptions {
  /** the written score in another key (MusicXML and PDF; see lib/transpose.ts); absent: as transcribed */
  transpose?: string;
  /** the file of this revision (0: the original transcription); absent: the latest succeeded */
  revision?: number;
}

export function artifactPath(id: string, artifact: Artifact, { transpose, revision }: ArtifactOptions = {}): string {
  const path = `/api/jobs/${encodeURIComponent(id)}/${artifact}`;
  const params = new URLSearchParams();
  if (transpose) params.set("transpose", transpose);
  if (revision !== undefined) params.set("revision", String(revision));
  return params.size ? `${path}?${params}` : path;
}

export async function fetchArtifact(
  id: string,
  artifact: Artifact,
  { signal, ...options }: ArtifactOptions & { signal?: AbortSignal } = {},
): Promise<Response> {
  return apiFetch(artifactPath(id, artifact, options), { signal });
}

export async function fetchTimeMap(
  id: string,
  options: ArtifactOptions & { signal?: AbortSignal },
): Promise<TimeMapEntry[]> {
  return (await fetchArtifact(id, "timemap", options)).json();
}

export async function fetchMusicXml(id: string, options: ArtifactOptions & { signal?: AbortSignal }): Promise<string> {
  return (await fetchArtifact(id, "musicxml", options)).text();
}

export async function fetchMidi(id: string, options: ArtifactOptions & { signal?: AbortSignal }): Promise<ArrayBuffer> {
  return (await fetchArtifact(id, "midi", options)).arrayBuffer();
}

/** The saved sets of corrections, oldest first. */
export function listRevisions(id: string, signal?: AbortSignal): Promise<RevisionsPublic> {
  return apiJson<RevisionsPublic>(`/api/jobs/${encodeURIComponent(id)}/revisions`, { signal });
}

/** Queues a revision made from `edits`, each against the original notes. */
export function createRevision(id: string, edits: NoteEditIn[]): Promise<RevisionPublic> {
  return apiJson<RevisionPublic>(`/api/jobs/${encodeURIComponent(id)}/revisions`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ edits }),
  });
}

/** The largest upload (MB) and the longest recording (minutes) the server takes. */
export function getLimits(signal?: AbortSignal): Promise<Limits> {
  return apiJson<Limits>("/api/limits", { signal });
}

export interface UploadOptions {
  title?: string;
  /** what the recording is; the server takes "auto" when none is sent */
  instrument?: Instrument;
  /** 0..1 as the bytes go out */
  onProgress?: (fraction: number) => void;
  signal?: AbortSignal;
}

/** POST /api/jobs with XMLHttpRequest, which (unlike fetch) reports upload progress. */
export function uploadJob(
  file: File,
  { title, instrument, onProgress, signal }: UploadOptions = {},
): Promise<JobPublic> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    const form = new FormData();
    form.append("file", file);
    if (title?.trim()) form.append("title", title.trim());
    if (instrument) form.append("instrument", instrument);

    xhr.open("POST", "/api/jobs");
    const token = tokenStore.get();
    if (token) xhr.setRequestHeader("Authorization", `Bearer ${token}`);
    xhr.responseType = "text";

    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable && event.total > 0) onProgress?.(event.loaded / event.total);
    };
    xhr.onload = () => {
      let body: unknown = null;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        // not JSON
      }
      if (xhr.status >= 200 && xhr.status < 300) {
        onProgress?.(1);
        resolve(body as JobPublic);
        return;
      }
      if (xhr.status === 401 && token) sessionExpired();
      reject(new ApiError(xhr.status, uploadErrorMessage(xhr.status, body, file.name)));
    };
    xhr.onerror = () =>
      reject(new ApiError(0, "The upload failed: cannot reach TuneScribe. Check your connection and try again."));
    xhr.onabort = () => reject(new DOMException("Upload cancelled", "AbortError"));
    signal?.addEventListener("abort", () => xhr.abort(), { once: true });
    xhr.send(form);
  });
}

function uploadErrorMessage(status: number, body: unknown, name: string): string {
  const refused = (fallback: string) => withReason(`“${name}” was not accepted`, detailMessage(body, fallback));
  if (status === 401) return "Your session has expired. Please sign in again.";
  if (status === 413) return refused("it is larger than the upload limit");
  if (status === 415) return refused("it is not an audio file TuneScribe can read");
  if (status === 422) return refused("the server could not read it");
  if (status === 503) {
    // the queue is down and nothing was stored: sending the same file again is safe
    const reason = "TuneScribe cannot take new recordings right now; nothing was stored, please try again in a minute";
    return withReason(`“${name}” could not be queued`, detailMessage(body, reason));
  }
  if (status >= 500) return "The server had a problem with the upload. Please try again in a moment.";
  return withReason("The upload failed", detailMessage(body, `error ${status}`));
}

/** ("It failed", "not audio") -> "It failed: not audio."; ("It failed", "The file is empty.") -> "It failed. The file is empty." */
function withReason(lead: string, reason: string): string {
  return /^\p{Lu}/u.test(reason) ? `${lead}. ${sentence(reason)}` : `${lead}: ${sentence(reason)}`;
}

/** "not an audio file" -> "not an audio file." */
function sentence(text: string): string {
  return /[.!?]$/.test(text) ? text : `${text}.`;
}
