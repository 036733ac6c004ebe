import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { createRevision, listRevisions } from "../api/jobs";
import { JobStatus, type NoteEditIn, type RevisionPublic, type RevisionsPublic } from "../api/types";

/** A correction takes seconds to make (not a transcription's minutes), and the list is small: ask often. */
export const REVISION_POLL_MS = 250;

function inProgress(revision: RevisionPublic): boolean {
  return revision.status === JobStatus.queued || revision.status === JobStatus.running;
}

/**
 * A job's revisions (its saved corrections), polled while one is still being made. `shown`: the number of
 * the latest succeeded revision (0, the original, when none), whose files the page shows; `latest`: the
 * newest revision whatever its state, to tell its progress or why it failed.
 */
export function useRevisions(jobId: string) {
  const query = useQuery({
    queryKey: ["job", jobId, "revisions"],
    queryFn: ({ signal }) => listRevisions(jobId, signal),
    refetchInterval: (q) => (q.state.data?.data.some(inProgress) ? REVISION_POLL_MS : false),
    refetchIntervalInBackground: true,
  });
  const revisions = query.data?.data ?? [];
  const succeeded = revisions.filter((r) => r.status === JobStatus.succeeded);
  const shownRevision = succeeded.length > 0 ? succeeded[succeeded.length - 1] : null;
  return {
    query,
    shown: shownRevision?.number ?? 0,
    shownRevision,
    latest: revisions.length > 0 ? revisions[revisions.length - 1] : null,
    making: revisions.some(inProgress),
  };
}

/** Sends the whole set of corrections as the next revision; the list is polled from there. */
export function useSaveCorrections(jobId: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (edits: NoteEditIn[]) => createRevision(jobId, edits),
    onSuccess: (revision) => {
      client.setQueryData<RevisionsPublic>(["job", jobId, "revisions"], (list) => {
        const data = [...(list?.data ?? []).filter((r) => r.number !== revision.number), revision];
        return { data, count: data.length };
      });
    },
  });
}
