import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { deleteJob, listJobs } from "../api/jobs";
import { isFinished } from "../api/types";

export const HISTORY_PAGE_SIZE = 10;

/** The user's transcriptions, newest first, one page at a time (page is 1-based). */
export function useJobs({ page, q }: { page: number; q: string }) {
  const limit = HISTORY_PAGE_SIZE;
  return useQuery({
    queryKey: ["jobs", { page, q }],
    queryFn: ({ signal }) => listJobs({ limit, offset: (page - 1) * limit, q: q || undefined }, signal),
    placeholderData: keepPreviousData,
    // jobs still running change status: refresh the page while any is unfinished
    refetchInterval: (query) => (query.state.data?.data.some((job) => !isFinished(job)) ? 3000 : false),
  });
}

export function useDeleteJob() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: deleteJob,
    onSuccess: (_data, id) => {
      queryClient.removeQueries({ queryKey: ["job", id] });
      return queryClient.invalidateQueries({ queryKey: ["jobs"] });
    },
  });
}
