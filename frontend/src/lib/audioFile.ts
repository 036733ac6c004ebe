/** What the upload accepts, checked in the browser before any byte is sent (the API checks again). */

export const MAX_UPLOAD_BYTES = 100 * 1024 * 1024;

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

/** For the file picker's `accept` attribute. */
export const ACCEPT_AUDIO = ["audio/*", ...AUDIO_EXTENSIONS.map((ext) => `.${ext}`)].join(",");

function extension(name: string): string {
  const dot = name.lastIndexOf(".");
  return dot >= 0 ? name.slice(dot + 1).toLowerCase() : "";
}

/** null when the file can be sent; otherwise the reason, in words. */
export function checkAudioFile(file: File): string | null {
  const isAudio = file.type.startsWith("audio/") || AUDIO_EXTENSIONS.includes(extension(file.name));
  if (!isAudio) {
    return `“${file.name}” is not an audio file. Choose a recording such as WAV, MP3, FLAC, OGG or M4A.`;
  }
  if (file.size === 0) return `“${file.name}” is empty.`;
  if (file.size > MAX_UPLOAD_BYTES) {
    const mb = (file.size / (1024 * 1024)).toFixed(0);
    return `“${file.name}” is ${mb} MB; the limit is 100 MB.`;
  }
  return null;
}
