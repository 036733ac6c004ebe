/** What the upload accepts, checked in the browser before any byte is sent (the API checks again). */
import type { Limits } from "../api/types";

export const AUDIO_EXTENSIONS = [
  "wav",
  "mp3",
  "flac",
  "ogg",
  "oga",
  "opus",
  "m4a",
  "aac",
  "aif",
  "aiff",
  "wma",
  "webm",
];

/** The server's MB (MiB). */
const MB = 1024 * 1024;

/** For the file picker's `accept` attribute. */
export const ACCEPT_AUDIO = ["audio/*", ...AUDIO_EXTENSIONS.map((ext) => `.${ext}`)].join(",");

function extension(name: string): string {
  const dot = name.lastIndexOf(".");
  return dot >= 0 ? name.slice(dot + 1).toLowerCase() : "";
}

/** "Up to 100 MB and 20 minutes" */
export function describeLimits({ max_upload_mb, max_audio_minutes }: Limits): string {
  return `Up to ${max_upload_mb} MB and ${max_audio_minutes} minute${max_audio_minutes === 1 ? "" : "s"}`;
}

/** null when the file can be sent; otherwise the reason, in words. The size is checked once the limits are known
 * (the length only the server can read). */
export function checkAudioFile(file: File, limits?: Limits): string | null {
  const isAudio = file.type.startsWith("audio/") || AUDIO_EXTENSIONS.includes(extension(file.name));
  if (!isAudio) {
    return `“${file.name}” is not an audio file. Choose a recording such as WAV, MP3, FLAC, OGG or M4A.`;
  }
  if (file.size === 0) return `“${file.name}” is empty.`;
  if (limits && file.size > limits.max_upload_mb * MB) {
    return `“${file.name}” is ${(file.size / MB).toFixed(0)} MB; the limit is ${limits.max_upload_mb} MB.`;
  }
  return null;
}
