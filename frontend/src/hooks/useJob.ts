import { useQuery } from "@tanstack/react-query";
import { getJob } from "../api/jobs";
import { isFinished } from "../api/types";

export const JOB_POLL_MS = 1000;

/** One job, polled every second until it has succeeded or failed. */
export function useJob(id: string | undefined) {
  return useQuery({
    queryKey: ["job", id],
    queryFn: ({ signal }) => getJob(id!, signal),
    enabled: Boolean(id),
    refetchInterval: (query) => (isFinished(query.state.data) || query.state.error ? false : JOB_POLL_MS),
    refetchIntervalInBackground: true,
    retry: (count, error) => count < 2 && (error as { status?: number }).status !== 404,
  });
}
