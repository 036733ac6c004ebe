/** The shapes the API serves (see DESIGN.md, "HTTP API"). */

export interface User {
  id: string | number;
  email: string;
  is_admin: boolean;
}

export interface Token {
  access_token: string;
  token_type: "bearer";
  expires_in?: number;
}

export type JobStatus = "queued" | "running" | "succeeded" | "failed";
export type JobStage = "queued" | "decoding" | "transcribing" | "notation" | "done" | "failed";

export interface JobPublic {
  id: string;
  status: JobStatus;
  stage: JobStage;
  /** 0..1 */
  progress: number;
  error: string | null;
  title: string | null;
  filename: string;
  duration_s: number | null;
  note_count: number | null;
  model_version: string | null;
  created_at: string;
  finished_at: string | null;
}

export interface JobsPublic {
  data: JobPublic[];
  count: number;
}

/** One beat of the score: measure and beat are 1-based; seconds are in the original recording. */
export interface TimeMapEntry {
  measure: number;
  beat: number;
  seconds: number;
}

export function isFinished(job: Pick<JobPublic, "status"> | undefined): boolean {
  return job?.status === "succeeded" || job?.status === "failed";
}
