import { type Artifact, fetchArtifact, filenameFromDisposition } from "../api/jobs";

/** Downloads need the bearer token, so a link cannot do it: fetch, then save the blob. */
export async function downloadArtifact(jobId: string, artifact: Artifact, fallbackName: string): Promise<void> {
  const response = await fetchArtifact(jobId, artifact);
  const name = filenameFromDisposition(response.headers.get("Content-Disposition")) ?? fallbackName;
  saveBlob(await response.blob(), name);
}

export function saveBlob(blob: Blob, filename: string) {
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = filename;
  link.style.display = "none";
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** "My song.mp3" -> "My song" */
export function fileStem(name: string): string {
  const dot = name.lastIndexOf(".");
  return (dot > 0 ? name.slice(0, dot) : name) || "transcription";
}
