import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { fetchMidi, fetchMusicXml, fetchTimeMap } from "../api/jobs";
import { notesFromMidi } from "../playback/notes";

// Artifacts of a finished job never change: fetch once, keep while the page is open.
// A 404 (no notation for this job) is an answer, not a hiccup: retry only server errors, once.
const forever = {
  staleTime: Infinity,
  gcTime: 5 * 60_000,
  retry: (count: number, error: Error) => count < 1 && ((error as { status?: number }).status ?? 500) >= 500,
} as const;

// A revision's files never change either: each is keyed by its number.

/** The notes of the performance MIDI of `revision` (0: the original; seconds match the recording). */
export function useTranscriptionNotes(jobId: string, enabled: boolean, revision = 0) {
  return useQuery({
    queryKey: ["job", jobId, "notes", revision],
    queryFn: async ({ signal }) => notesFromMidi(await fetchMidi(jobId, { signal, revision })),
    enabled,
    ...forever,
  });
}

/**
 * The MusicXML score of `revision` (0: the original transcription), written in `transpose` (lib/transpose.ts; "" as transcribed), and its time map
 * (beats to seconds, the same in every key); a job without notation has neither. While another key is
 * fetched the score in hand stays (isPlaceholderData).
 */
export function useScore(jobId: string, enabled: boolean, transpose = "", revision = 0) {
  const musicXml = useQuery({
    queryKey: ["job", jobId, "musicxml", revision, transpose],
    queryFn: ({ signal }) => fetchMusicXml(jobId, { signal, revision, transpose: transpose || undefined }),
    enabled,
    placeholderData: keepPreviousData,
    ...forever,
  });
  const timeMap = useQuery({
    queryKey: ["job", jobId, "timemap", revision],
    queryFn: ({ signal }) => fetchTimeMap(jobId, { signal, revision }),
    enabled,
    ...forever,
  });
  return { musicXml, timeMap };
}
