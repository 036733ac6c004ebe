import { type Artifact, type ArtifactOptions, fetchArtifact } from "../api/jobs";

/** Downloads need the bearer token, so a link cannot do it: fetch, then save the blob. */
export async function downloadArtifact(
  jobId: string,
  artifact: Artifact,
  fallbackName: string,
  options: ArtifactOptions = {},
): Promise<void> {
  const response = await fetchArtifact(jobId, artifact, options);
  const name = filenameFromDisposition(response.headers.get("Content-Disposition")) ?? fallbackName;
  saveBlob(await response.blob(), name);
}

/**
 * The file name a Content-Disposition header gives (RFC 6266): `filename*` (RFC 8187: a charset, then the
 * name percent-encoded) when present, else the plain `filename`; null when there is none.
 */
export function filenameFromDisposition(header: string | null): string | null {
  if (!header) return null;
  const extended = /(?:^|;)\s*filename\*\s*=\s*([\w-]*)'[^']*'([^;\s]+)/i.exec(header);
  if (extended) {
    const [, charset, value] = extended;
    try {
      if (/^utf-8$/i.test(charset)) return decodeURIComponent(value);
      if (/^iso-8859-1$/i.test(charset)) {
        return value.replace(/%([0-9a-f]{2})/gi, (_, hex) => String.fromCharCode(parseInt(hex, 16)));
      }
    } catch {
      // malformed percent-encoding: the plain form below
    }
  }
  const quoted = /(?:^|;)\s*filename\s*=\s*"((?:[^"\\]|\\.)*)"/i.exec(header);
  if (quoted) return quoted[1].replace(/\\(.)/g, "$1") || null;
  const token = /(?:^|;)\s*filename\s*=\s*([^";\s]+)/i.exec(header);
  return token ? token[1] : null;
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
