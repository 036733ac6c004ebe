import type { Instrument, JobPublic } from "../api/types";

/** 75.4 -> "1:15"; 3725 -> "1:02:05". */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds == null || !Number.isFinite(seconds) || seconds < 0) return "–";
  const total = Math.floor(seconds);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${s}` : `${m}:${s}`;
}

/** A date a person reads, in their locale: "25 Nov 2025, 16:11". */
export function formatDate(iso: string | null | undefined): string {
  if (!iso) return "–";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "–";
  return date.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(0)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

/** The name a person gave the job, or the file it came from. */
export function jobTitle(job: { title: string | null; filename: string }): string {
  return job.title?.trim() || job.filename;
}

/** An F1 score or loss: 0.76055 -> "0.761"; missing -> "–". */
export function formatScore(value: number | null | undefined): string {
  return value == null || !Number.isFinite(value) ? "–" : value.toFixed(3);
}

/** A model's size: 312000 -> "312 k", 1100000 -> "1.10 M". */
export function formatParameters(count: number): string {
  return count >= 1e6 ? `${(count / 1e6).toFixed(2)} M` : `${Math.round(count / 1e3)} k`;
}

/** How the app names each instrument. */
export const INSTRUMENT_LABEL: Record<Instrument, string> = {
  auto: "Auto",
  piano: "Piano",
  ensemble: "Ensemble",
};

/** The instrument asked at upload beside the model that made the transcription: "Piano · model tsunet-v1"
 * (only the instrument while no model has made it yet). What was asked and what made it may differ: a piano
 * job is made by the ensemble model until a piano model is installed, so the app shows both. */
export function describeInstrument(job: Pick<JobPublic, "instrument" | "model_version">): string {
  const asked = INSTRUMENT_LABEL[job.instrument] ?? job.instrument;
  return job.model_version ? `${asked} · model ${job.model_version}` : asked;
}
