import { useQueryClient } from "@tanstack/react-query";
import { useCallback, useEffect, useRef, useState } from "react";
import { uploadJob } from "../api/jobs";
import type { Instrument, JobPublic } from "../api/types";

export type UploadState =
  { phase: "idle" } | { phase: "uploading"; progress: number } | { phase: "error"; message: string };

/** Sends one file with its progress; resolves to the new job (null when cancelled or failed). */
export function useUpload() {
  const queryClient = useQueryClient();
  const [state, setState] = useState<UploadState>({ phase: "idle" });
  const controller = useRef<AbortController | null>(null);

  useEffect(() => () => controller.current?.abort(), []);

  const upload = useCallback(
    async (file: File, title: string, instrument: Instrument): Promise<JobPublic | null> => {
      controller.current?.abort();
      const abort = new AbortController();
      controller.current = abort;
      setState({ phase: "uploading", progress: 0 });
      try {
        const job = await uploadJob(file, {
          title,
          instrument,
          signal: abort.signal,
          onProgress: (progress) => setState({ phase: "uploading", progress }),
        });
        queryClient.setQueryData(["job", job.id], job);
        void queryClient.invalidateQueries({ queryKey: ["jobs"] });
        setState({ phase: "idle" });
        return job;
      } catch (error) {
        if ((error as Error).name === "AbortError") setState({ phase: "idle" });
        else setState({ phase: "error", message: (error as Error).message });
        return null;
      } finally {
        if (controller.current === abort) controller.current = null;
      }
    },
    [queryClient],
  );

  const cancel = useCallback(() => controller.current?.abort(), []);
  const fail = useCallback((message: string) => setState({ phase: "error", message }), []);
  const reset = useCallback(() => setState({ phase: "idle" }), []);

  return { state, upload, cancel, fail, reset };
}
