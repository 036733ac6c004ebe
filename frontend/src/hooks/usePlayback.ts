import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { fetchArtifact } from "../api/jobs";
import { clickSound } from "../playback/clicks";
import { PlaybackClock } from "../playback/clock";
import type { PlayedNote } from "../playback/notes";
import type { PlaybackSource, Player } from "../playback/player";
import { beatClicks, clicksBetween, countInClicks, loopedSeconds } from "../playback/practice";
import { createRecordingPlayer } from "../playback/recordingPlayer";
import { createTranscriptionPlayer } from "../playback/transcriptionPlayer";
import type { PracticeSettings } from "./usePractice";

export interface Playback {
  clock: PlaybackClock;
  duration: number;
  source: PlaybackSource;
  playing: boolean;
  /** the source being prepared (samples or the recording loading), if any */
  loading: PlaybackSource | null;
  /** the count-in is clicking: playback starts when it ends */
  countingIn: boolean;
  rate: number;
  error: string | null;
  play(): Promise<void>;
  pause(): void;
  toggle(): Promise<void>;
  seek(seconds: number): void;
  setRate(rate: number): void;
  setSource(source: PlaybackSource): Promise<void>;
}

const NO_PRACTICE: PracticeSettings = { loop: null, countIn: false, metronome: false, timeMap: null };

/**
 * Plays a finished job: the transcription (sampled piano) or the original recording, switchable
 * mid-play at the same position. Players are created on first use, so opening a job loads no audio.
 * `practice` loops a span (both sources, so the cursor stays in it), counts in and clicks the beats.
 */
export function usePlayback(
  jobId: string,
  notes: PlayedNote[],
  duration: number,
  practice: PracticeSettings = NO_PRACTICE,
): Playback {
  const clock = useMemo(() => new PlaybackClock(), []);
  const [source, setSourceState] = useState<PlaybackSource>("transcription");
  const [playing, setPlaying] = useState(false);
  const [loading, setLoading] = useState<PlaybackSource | null>(null);
  const [countingIn, setCountingIn] = useState(false);
  const [rate, setRateState] = useState(1);
  const [error, setError] = useState<string | null>(null);

  const players = useRef(new Map<PlaybackSource, Promise<Player>>());
  const current = useRef<Player | null>(null);
  const sourceRef = useRef(source);
  const rateRef = useRef(rate);
  const recordingUrl = useRef<string | null>(null);
  const disposed = useRef(false);
  // read by the frame loop, the end of playback and start(), which must not restart when a toggle changes
  const practiceRef = useRef(practice);
  practiceRef.current = practice;
  const beats = useMemo(() => (practice.timeMap ? beatClicks(practice.timeMap) : []), [practice.timeMap]);
  const beatsRef = useRef(beats);
  beatsRef.current = beats;
  /** bumped by pause: a count-in still clicking then does not start playback */
  const startRequest = useRef(0);

  const onEnded = useCallback(() => {
    // a loop that ends where the recording does: the player stops before a frame can send it back
    const { loop } = practiceRef.current;
    const player = current.current;
    if (loop && player) {
      player.seek(loop.startS);
      void player.play();
      return;
    }
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

  // Follow the player while it plays: back to the loop's start at its end, a click on each beat passed.
  useEffect(() => {
    if (!playing) return;
    let frame = 0;
    let heard = clock.seconds - 1e-6; // so that a beat playback starts on clicks too
    const tick = () => {
      const player = current.current;
      if (player) {
        const { loop, metronome } = practiceRef.current;
        let seconds = player.seconds();
        const looped = loopedSeconds(seconds, loop);
        if (looped !== seconds) {
          player.seek(looped);
          seconds = looped;
          heard = seconds - 1e-6;
        }
        if (metronome)
          clickSound.play(clicksBetween(beatsRef.current, heard, seconds).map((c) => ({ ...c, seconds: 0 })));
        heard = seconds;
        clock.set(Math.min(seconds, duration));
      }
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
      // new notes (a correction) make new players: the one that was playing is gone, so playback stops
      // where it was, and Play starts the corrected notes from there
      setPlaying(false);
      if (recordingUrl.current) URL.revokeObjectURL(recordingUrl.current);
    };
  }, [playerFor]);

  const start = useCallback(
    async (which: PlaybackSource, at: number) => {
      const request = ++startRequest.current;
      const { loop, countIn, metronome, timeMap } = practiceRef.current;
      setError(null);
      setLoading(which);
      try {
        if (countIn || metronome) await clickSound.ready();
        const player = await playerFor(which);
        if (disposed.current || sourceRef.current !== which || request !== startRequest.current) return;
        current.current = player;
        player.setRate(rateRef.current);
        const from = loopedSeconds(at >= duration - 0.01 ? 0 : at, loop);
        player.seek(from);
        clock.set(from);
        if (countIn && timeMap) {
          const { clicks, lengthS } = countInClicks(timeMap, from, rateRef.current);
          setLoading(null);
          setCountingIn(true);
          clickSound.play(clicks);
          await new Promise((resolve) => setTimeout(resolve, lengthS * 1000));
          setCountingIn(false);
          if (disposed.current || request !== startRequest.current) return;
        }
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
    startRequest.current++;
    setCountingIn(false);
    const player = current.current;
    if (player) {
      player.pause();
      clock.set(Math.min(player.seconds(), duration));
    }
    setPlaying(false);
  }, [clock, duration]);

  const toggle = useCallback(
    () => (playing || countingIn ? Promise.resolve(pause()) : play()),
    [playing, countingIn, pause, play],
  );

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

  // A loop chosen while stopped elsewhere: the cursor goes to its start, where play will begin.
  const { loop } = practice;
  useEffect(() => {
    if (!loop) return;
    const at = current.current ? current.current.seconds() : clock.seconds;
    if (loopedSeconds(at, loop) !== at) seek(loop.startS);
  }, [loop, clock, seek]);

  return {
    clock,
    duration,
    source,
    playing,
    loading,
    countingIn,
    rate,
    error,
    play,
    pause,
    toggle,
    seek,
    setRate,
    setSource,
  };
}
