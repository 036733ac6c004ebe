import { useQuery } from "@tanstack/react-query";
import { getLimits } from "../api/jobs";

/** What an upload may be (size and length), as the server is configured; it does not change while the app runs. */
export function useLimits() {
  return useQuery({
    queryKey: ["limits"],
    queryFn: ({ signal }) => getLimits(signal),
    staleTime: Infinity,
  });
}
