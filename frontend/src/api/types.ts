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

/** Accuracy on the fixed test split: mir_eval note F1 (onsets; with offsets) and frame F1. */
export interface ModelMetrics {
  note_f1?: number;
  note_offset_f1?: number;
  frame_f1?: number;
  [name: string]: number | undefined;
}

export type ModelStatus = "candidate" | "active" | "retired";

/** A model in the registry (admin). */
export interface ModelPublic {
  version: string;
  status: ModelStatus;
  parameters: number;
  /** what it was trained on, as its model card says */
  data: { corpus?: string; train?: { hours?: number; renditions?: number }; [key: string]: unknown };
  /** per group of the test split; "all" is the whole split */
  metrics: { all?: ModelMetrics; [group: string]: ModelMetrics | undefined };
  created_at: string;
  activated_at: string | null;
}

export type TrainingRunStatus = "queued" | "running" | "succeeded" | "failed" | "cancelled";
export type TrainingDataset = "synthetic" | "musicnet";

export interface TrainingRunCreate {
  dataset: TrainingDataset;
  /** corpus folder (synthetic) or MusicNet root, on the trainer's volume */
  path: string;
  epochs: number;
  steps_per_epoch: number;
}

/** A retraining run (admin). */
export interface TrainingRunPublic {
  id: string;
  status: TrainingRunStatus;
  dataset: TrainingDataset;
  path: string;
  labels_path?: string | null;
  epochs: number;
  steps_per_epoch?: number;
  base_model?: string | null;
  epoch: number;
  loss: number | null;
  val_note_f1: number | null;
  test_note_f1: number | null;
  /** the serving model's note F1 on the same test split, measured by the run */
  active_note_f1: number | null;
  promoted: boolean;
  model_version: string | null;
  error: string | null;
  cancel_requested?: boolean;
  created_at: string;
  started_at?: string | null;
  finished_at?: string | null;
}

export function isRunActive(run: Pick<TrainingRunPublic, "status">): boolean {
  return run.status === "queued" || run.status === "running";
}
