import { useId } from "react";
import type { Playback } from "../hooks/usePlayback";
import { formatDuration } from "../lib/format";
import { useClockSeconds } from "../playback/clock";
import type { PlaybackSource } from "../playback/player";
import { MAX_RATE, MIN_RATE } from "../playback/practice";
import { Alert } from "./Alert";

const SOURCES: { value: PlaybackSource; label: string }[] = [
  { value: "transcription", label: "Transcription (piano)" },
  { value: "recording", label: "Original recording" },
];

/** Play/pause, position, tempo, and which sound: the transcription or the original. */
export function PlaybackBar({ playback }: { playback: Playback }) {
  const id = useId();
  const seconds = useClockSeconds(playback.clock);
  const { playing, loading, countingIn, duration, rate, source } = playback;
  const running = playing || countingIn;

  return (
    <section className="playback-bar" aria-label="Playback">
      <div className="transport">
        <button
          type="button"
          className="play-button"
          onClick={() => void playback.toggle()}
          disabled={loading !== null}
          aria-label={loading ? "Loading" : running ? "Pause" : "Play"}
        >
          {loading ? (
            <span className="spinner" aria-hidden="true" />
          ) : running ? (
            <svg viewBox="0 0 24 24" width="24" height="24" aria-hidden="true">
              <path d="M6 5h4v14H6zm8 0h4v14h-4z" fill="currentColor" />
            </svg>
          ) : (
            <svg viewBox="0 0 24 24" width="24" height="24" aria-hidden="true">
              <path d="M7 4l13 8-13 8z" fill="currentColor" />
            </svg>
          )}
        </button>

        <div className="seek">
          <label htmlFor={`${id}-seek`} className="visually-hidden">
            Position
          </label>
          <input
            id={`${id}-seek`}
            type="range"
            min={0}
            max={Math.max(duration, 0.1)}
            step={0.1}
            value={Math.min(seconds, duration)}
            aria-valuetext={`${formatDuration(seconds)} of ${formatDuration(duration)}`}
            onChange={(e) => playback.seek(Number(e.target.value))}
          />
          <span className="time" aria-hidden="true">
            <span data-testid="playback-time">{formatDuration(seconds)}</span> / {formatDuration(duration)}
          </span>
        </div>
      </div>

      <div className="tempo">
        <label htmlFor={`${id}-tempo`}>Tempo</label>
        <input
          id={`${id}-tempo`}
          type="range"
          min={MIN_RATE}
          max={MAX_RATE}
          step={0.05}
          value={rate}
          aria-valuetext={`${Math.round(rate * 100)} percent`}
          onChange={(e) => playback.setRate(Number(e.target.value))}
        />
        <output htmlFor={`${id}-tempo`}>{Math.round(rate * 100)}%</output>
      </div>

      <fieldset className="source">
        <legend>Listen to</legend>
        {SOURCES.map(({ value, label }) => (
          <label key={value} className={source === value ? "is-selected" : undefined}>
            <input
              type="radio"
              name={`${id}-source`}
              value={value}
              checked={source === value}
              onChange={() => void playback.setSource(value)}
            />
            {label}
          </label>
        ))}
      </fieldset>
      {countingIn && (
        <p className="muted loading-note" role="status">
          Counting in…
        </p>
      )}
      {loading === "recording" && (
        <p className="muted loading-note" role="status">
          Loading the original recording…
        </p>
      )}
      {playback.error && <Alert>{playback.error}</Alert>}
    </section>
  );
}
