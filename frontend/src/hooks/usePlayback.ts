import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { fetchArtifact } from "../api/jobs";
import { PlaybackClock } from "../playback/clock";
import type { PlayedNote } from "../playback/notes";
import type { PlaybackSource, Player } from "../playback/player";
import { createRecordingPlayer } from "../playback/recordingPlayer";
import { createTranscriptionPlayer } from "../playback/transcriptionPlayer";

export interface Playback {
  clock: PlaybackClock;
  duration: number;
  source: PlaybackSource;
  playing: boolean;
  /** the source being prepared (samples or the recording loading), if any */
  loading: PlaybackSource | null;
  rate: number;
  error: string | null;
  play(): Promise<void>;
  pause(): void;
  toggle(): Promise<void>;
  seek(seconds: number): void;
  setRate(rate: number): void;
  setSource(source: PlaybackSource): Promise<void>;
}

/**
 * Plays a finished job: the transcription (sampled piano) or the original recording, switchable
 * mid-play at the same position. Players are created on first use, so opening a job loads no audio.
 */
export function usePlayback(jobId: string, notes: PlayedNote[], duration: number): Playback {
  const clock = useMemo(() => new PlaybackClock(), []);
  const [source, setSourceState] = useState<PlaybackSource>("transcription");
  const [playing, setPlaying] = useState(false);
  const [loading, setLoading] = useState<PlaybackSource | null>(null);
  const [rate, setRateState] = useState(1);
  const [error, setError] = useState<string | null>(null);

  const players = useRef(new Map<PlaybackSource, Promise<Player>>());
  const current = useRef<Player | null>(null);
  const sourceRef = useRef(source);
  const rateRef = useRef(rate);
  const recordingUrl = useRef<string | null>(null);
  const disposed = useRef(false);

  const onEnded = useCallback(() => {
    setPlaying(false);
    if (current.current) clock.set(current.current.seconds());
  }, [clock]);

  const playerFor = useCallback(
    (which: PlaybackSource): Promise<Player> => {
      let player = players.current.get(which);
      if (!player) {
        player =
          which === "transcription"
            ? createTranscriptionPlayer(notes, duration, onEnded)
            : fetchArtifact(jobId, "audio")
                .then((response) => response.blob())
                .then((blob) => {
                  recordingUrl.current = URL.createObjectURL(blob);
                  return createRecordingPlayer(recordingUrl.current, duration, onEnded);
                });
        players.current.set(which, player);
        player.catch(() => players.current.delete(which));
      }
      return player;
    },
    [jobId, notes, duration, onEnded],
  );

  // Follow the player while it plays.
  useEffect(() => {
    if (!playing) return;
    let frame = 0;
    const tick = () => {
      if (current.current) clock.set(Math.min(current.current.seconds(), duration));
      frame = requestAnimationFrame(tick);
    };
    frame = requestAnimationFrame(tick);
    return () => cancelAnimationFrame(frame);
  }, [playing, clock, duration]);

  useEffect(() => {
    const all = players.current;
    disposed.current = false;
    return () => {
      disposed.current = true;
      all.forEach((player) => player.then((p) => p.dispose()).catch(() => undefined));
      all.clear();
      current.current = null;
      if (recordingUrl.current) URL.revokeObjectURL(recordingUrl.current);
    };
  }, [playerFor]);

  const start = useCallback(
    async (which: PlaybackSource, at: number) => {
      setError(null);
      setLoading(which);
      try {
        const player = await playerFor(which);
        if (disposed.current || sourceRef.current !== which) return;
        current.current = player;
        player.setRate(rateRef.current);
        player.seek(at >= duration - 0.01 ? 0 : at);
        await player.play();
        setPlaying(true);
      } catch (e) {
        setPlaying(false);
        setError(
          which === "recording"
            ? `The original recording could not be played: ${(e as Error).message}`
            : `The transcription could not be played: ${(e as Error).message}`,
        );
      } finally {
        setLoading(null);
      }
    },
    [playerFor, duration],
  );

  const play = useCallback(() => start(sourceRef.current, clock.seconds), [start, clock]);

  const pause = useCallback(() => {
    const player = current.current;
    if (player) {
      player.pause();
      clock.set(Math.min(player.seconds(), duration));
    }
    setPlaying(false);
  }, [clock, duration]);

  const toggle = useCallback(() => (playing ? Promise.resolve(pause()) : play()), [playing, pause, play]);

  const seek = useCallback(
    (seconds: number) => {
      const s = Math.min(Math.max(0, seconds), duration);
      clock.set(s);
      current.current?.seek(s);
    },
    [clock, duration],
  );

  const setRate = useCallback((next: number) => {
    rateRef.current = next;
    setRateState(next);
    current.current?.setRate(next);
  }, []);

  const setSource = useCallback(
    async (next: PlaybackSource) => {
      if (next === sourceRef.current) return;
      const wasPlaying = playing;
      const at = current.current ? current.current.seconds() : clock.seconds;
      current.current?.pause();
      current.current = null;
      sourceRef.current = next;
      setSourceState(next);
      clock.set(Math.min(at, duration));
      if (wasPlaying) {
        setPlaying(false);
        await start(next, at);
      }
    },
    [playing, clock, duration, start],
  );

  return { clock, duration, source, playing, loading, rate, error, play, pause, toggle, seek, setRate, setSource };
}
