/** The administrators' API: the model registry and training runs (403 for everyone else). */
import { apiJson } from "./client";
import type { ModelInstrument, ModelPublic, TrainingRunCreate, TrainingRunPublic, WorkersPublic } from "./types";

const post = { method: "POST" };

export function listModels(signal?: AbortSignal): Promise<ModelPublic[]> {
  return apiJson<ModelPublic[]>("/api/admin/models", { signal });
}

export function promoteModel(version: string): Promise<ModelPublic> {
  return apiJson<ModelPublic>(`/api/admin/models/${encodeURIComponent(version)}/promote`, post);
}

/** Serve again the model of `instrument` that was active before its current one (the other instrument's stays). */
export function rollbackModel(instrument: ModelInstrument): Promise<ModelPublic> {
  const params = new URLSearchParams({ instrument });
  return apiJson<ModelPublic>(`/api/admin/models/rollback?${params}`, post);
}

/** The transcription workers and the trainers that reported lately (none: nothing runs that kind of task). */
export function listWorkers(signal?: AbortSignal): Promise<WorkersPublic> {
  return apiJson<WorkersPublic>("/api/admin/workers", { signal });
}

export function listTrainingRuns(signal?: AbortSignal): Promise<TrainingRunPublic[]> {
  return apiJson<TrainingRunPublic[]>("/api/admin/training-runs", { signal });
}

export function startTrainingRun(run: TrainingRunCreate): Promise<TrainingRunPublic> {
  return apiJson<TrainingRunPublic>("/api/admin/training-runs", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(run),
  });
}

/** A queued run is cancelled at once; a running one stops after its current epoch. */
export function cancelTrainingRun(id: string): Promise<TrainingRunPublic> {
  return apiJson<TrainingRunPublic>(`/api/admin/training-runs/${encodeURIComponent(id)}/cancel`, post);
}

/** A cancelled or failed run continues from its last checkpoint. */
export function resumeTrainingRun(id: string): Promise<TrainingRunPublic> {
  return apiJson<TrainingRunPublic>(`/api/admin/training-runs/${encodeURIComponent(id)}/resume`, post);
}
