import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import {
  cancelTrainingRun,
  listModels,
  listTrainingRuns,
  listWorkers,
  promoteModel,
  resumeTrainingRun,
  rollbackModel,
  startTrainingRun,
} from "../api/admin";
import { isRunActive } from "../api/types";

export const RUNS_POLL_MS = 3000;
export const WORKERS_POLL_MS = 10_000;
const MODELS = ["admin", "models"];
const RUNS = ["admin", "training-runs"];
const WORKERS = ["admin", "workers"];

/** The training runs, newest first, refreshed while any of them is queued or running. */
export function useTrainingRuns() {
  return useQuery({
    queryKey: RUNS,
    queryFn: ({ signal }) => listTrainingRuns(signal),
    refetchInterval: (query) => (query.state.data?.some(isRunActive) ? RUNS_POLL_MS : false),
  });
}

/** The model registry; `follow` refreshes it too (a run that ends registers its model). */
export function useModels({ follow = false }: { follow?: boolean } = {}) {
  return useQuery({
    queryKey: MODELS,
    queryFn: ({ signal }) => listModels(signal),
    refetchInterval: follow ? RUNS_POLL_MS : false,
  });
}

/** The workers and trainers that are connected, refreshed as they come and go. */
export function useWorkers() {
  return useQuery({
    queryKey: WORKERS,
    queryFn: ({ signal }) => listWorkers(signal),
    refetchInterval: WORKERS_POLL_MS,
  });
}

/** Promote a model, or roll back to the one before: either way the registry changed. */
export function useModelActions() {
  const queryClient = useQueryClient();
  const onSuccess = () => queryClient.invalidateQueries({ queryKey: MODELS });
  return {
    promote: useMutation({ mutationFn: promoteModel, onSuccess }),
    rollback: useMutation({ mutationFn: rollbackModel, onSuccess }),
  };
}

/** Start, cancel and resume training runs; each refreshes the list. */
export function useTrainingRunActions() {
  const queryClient = useQueryClient();
  const onSuccess = () => queryClient.invalidateQueries({ queryKey: RUNS });
  return {
    start: useMutation({ mutationFn: startTrainingRun, onSuccess }),
    cancel: useMutation({ mutationFn: cancelTrainingRun, onSuccess }),
    resume: useMutation({ mutationFn: resumeTrainingRun, onSuccess }),
  };
}
