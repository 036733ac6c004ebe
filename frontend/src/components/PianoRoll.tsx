import { type RefObject, useEffect, useMemo, useRef, useState } from "react";
import { type PlaybackClock, useClockSeconds } from "../playback/clock";
import type { PlayedNote } from "../playback/notes";
import { pitchName } from "../lib/pitch";

const ROW_PX = 7;
const MAX_PX_PER_SECOND = 60;
// browsers refuse canvases much wider than this
const MAX_WIDTH_PX = 30_000;

interface Props {
  notes: PlayedNote[];
  duration: number;
  clock: PlaybackClock;
  /** keep the playhead in view while playing */
  following: boolean;
  onSeek(seconds: number): void;
}

/** The notes as bars on a time × pitch grid, with a playhead; click to jump there. */
export function PianoRoll({ notes, duration, clock, following, onSeek }: Props) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const scroller = useRef<HTMLDivElement>(null);
  const { low, high } = useMemo(() => pitchRange(notes), [notes]);
  const fitWidth = useWidth(scroller);
  // a short clip fills the width; a long piece scrolls at up to 60 px a second
  const pxPerSecond = Math.min(
    MAX_WIDTH_PX / Math.max(duration, 1),
    Math.max(MAX_PX_PER_SECOND, (fitWidth - 2) / Math.max(duration, 0.1)),
  );
  const width = Math.max(1, Math.ceil(duration * pxPerSecond));
  const height = (high - low + 1) * ROW_PX;

  useEffect(() => {
    const ctx = canvas.current?.getContext("2d");
    if (!ctx) return;
    drawNotes(ctx, notes, { low, high, pxPerSecond, width, height });
  }, [notes, low, high, pxPerSecond, width, height]);

  const label =
    notes.length === 0
      ? "Piano roll: no notes"
      : `Piano roll: ${notes.length} notes from ${pitchName(notes.reduce((m, n) => Math.min(m, n.pitch), 127))} to ${pitchName(notes.reduce((m, n) => Math.max(m, n.pitch), 0))}`;

  return (
    <div className="piano-roll" ref={scroller} tabIndex={0} aria-label="Piano roll (scrolls sideways)" role="region">
      <div className="piano-roll-inner" style={{ width, height }}>
        <canvas
          ref={canvas}
          width={width}
          height={height}
          role="img"
          aria-label={label}
          onClick={(e) => {
            const box = e.currentTarget.getBoundingClientRect();
            onSeek((e.clientX - box.left) / pxPerSecond);
          }}
        />
        <Playhead clock={clock} pxPerSecond={pxPerSecond} scroller={scroller} following={following} />
      </div>
    </div>
  );
}

/** The element's inner width, kept up to date as the window changes. */
function useWidth(element: RefObject<HTMLElement | null>): number {
  const [width, setWidth] = useState(0);
  useEffect(() => {
    const box = element.current;
    if (!box) return;
    const measure = () => setWidth(box.clientWidth);
    measure();
    window.addEventListener("resize", measure);
    return () => window.removeEventListener("resize", measure);
  }, [element]);
  return width;
}

function Playhead({
  clock,
  pxPerSecond,
  scroller,
  following,
}: {
  clock: PlaybackClock;
  pxPerSecond: number;
  scroller: RefObject<HTMLDivElement | null>;
  following: boolean;
}) {
  const seconds = useClockSeconds(clock);
  const x = seconds * pxPerSecond;
  useEffect(() => {
    const box = scroller.current;
    if (!box || !following) return;
    if (x < box.scrollLeft || x > box.scrollLeft + box.clientWidth * 0.85) {
      box.scrollLeft = Math.max(0, x - box.clientWidth * 0.15);
    }
  }, [x, following, scroller]);
  return <div className="playhead" data-testid="piano-roll-playhead" style={{ transform: `translateX(${x}px)` }} />;
}

function pitchRange(notes: PlayedNote[]): { low: number; high: number } {
  if (notes.length === 0) return { low: 48, high: 84 };
  let low = 127;
  let high = 0;
  for (const note of notes) {
    low = Math.min(low, note.pitch);
    high = Math.max(high, note.pitch);
  }
  // at least two octaves tall, with a little room around
  const pad = Math.max(2, Math.ceil((24 - (high - low)) / 2));
  return { low: Math.max(0, low - pad), high: Math.min(127, high + pad) };
}

function drawNotes(
  ctx: CanvasRenderingContext2D,
  notes: PlayedNote[],
  {
    low,
    high,
    pxPerSecond,
    width,
    height,
  }: { low: number; high: number; pxPerSecond: number; width: number; height: number },
) {
  const y = (pitch: number) => (high - pitch) * ROW_PX;
  ctx.clearRect(0, 0, width, height);
  // black-key rows shaded, a line under every C
  for (let pitch = low; pitch <= high; pitch++) {
    if ([1, 3, 6, 8, 10].includes(pitch % 12)) {
      ctx.fillStyle = "#f1f3f8";
      ctx.fillRect(0, y(pitch), width, ROW_PX);
    }
    if (pitch % 12 === 0) {
      ctx.fillStyle = "#c9cfdd";
      ctx.fillRect(0, y(pitch) + ROW_PX - 1, width, 1);
    }
  }
  // octave names every 10 seconds along the way, so they are in view wherever the roll is scrolled
  ctx.font = "10px system-ui, sans-serif";
  ctx.fillStyle = "#525a6e";
  for (let pitch = low; pitch <= high; pitch++) {
    if (pitch % 12 !== 0) continue;
    for (let s = 0; s * pxPerSecond < width; s += 10) ctx.fillText(pitchName(pitch), s * pxPerSecond + 3, y(pitch) - 1);
  }
  // a faint line every second
  ctx.fillStyle = "#e4e7ef";
  for (let s = 0; s * pxPerSecond < width; s++) ctx.fillRect(Math.round(s * pxPerSecond), 0, 1, height);
  for (const note of notes) {
    const lightness = 55 - Math.round(note.velocity * 25);
    ctx.fillStyle = `hsl(224 70% ${lightness}%)`;
    const x = note.startS * pxPerSecond;
    const w = Math.max(2, (note.endS - note.startS) * pxPerSecond - 1);
    ctx.fillRect(x, y(note.pitch) + 1, w, ROW_PX - 2);
  }
}
