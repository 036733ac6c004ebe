import {
  type KeyboardEvent,
  type MouseEvent,
  type PointerEvent,
  type RefObject,
  useEffect,
  useMemo,
  useRef,
  useState,
} from "react";
import { type PlaybackClock, useClockSeconds } from "../playback/clock";
import type { PlayedNote } from "../playback/notes";
import { type EditedNote, type NoteFields, type NoteRef, sameRef } from "../lib/noteEdits";
import { pitchName } from "../lib/pitch";

const ROW_PX = 7;
const MAX_PX_PER_SECOND = 60;
// browsers refuse canvases much wider than this
const MAX_WIDTH_PX = 30_000;
/** the grip at a note's end that changes its length; under a finger, wider (up to half the note) */
const END_GRIP_PX = 5;
const TOUCH_END_GRIP_PX = 12;
/** two taps of a finger this close in time and place draw a note, as a double-click does */
const DOUBLE_TAP = { ms: 400, px: 24 };
/** one arrow-key step in time (Shift: a tenth of it) */
const NUDGE_S = 0.05;
/** the length of a note drawn with a double-click */
const NEW_NOTE_S = 0.5;

/** Present when the notes may be corrected: the selection and what each gesture does. */
export interface RollEditing {
  selected: NoteRef | null;
  onSelect(ref: NoteRef | null): void;
  onChange(ref: NoteRef, fields: NoteFields): void;
  onDelete(ref: NoteRef): void;
  onAdd(fields: NoteFields): void;
}

interface Props {
  notes: PlayedNote[] | EditedNote[];
  duration: number;
  clock: PlaybackClock;
  /** keep the playhead in view while playing */
  following: boolean;
  onSeek(seconds: number): void;
  editing?: RollEditing;
}

interface Drag {
  /** the pointer (mouse, finger or pen) that holds the note */
  pointerId: number;
  ref: NoteRef;
  mode: "move" | "length";
  fromX: number;
  fromY: number;
  before: NoteFields;
  now: NoteFields;
}

function fieldsOf(note: PlayedNote): NoteFields {
  return { pitch: note.pitch, startS: note.startS, durationS: note.endS - note.startS };
}

/**
 * The notes as bars on a time × pitch grid, with a playhead; click to jump there. With `editing`: click a
 * note to select it, drag it (pitch and start) or its end (length), arrows move it, Delete removes it, and
 * a double-click on an empty place draws a new one. A finger does the same (pointer events): a touch on a
 * note holds it, so the roll does not scroll under it; a touch elsewhere scrolls; a double tap draws.
 */
export function PianoRoll({ notes, duration, clock, following, onSeek, editing }: Props) {
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
  const [drag, setDrag] = useState<Drag | null>(null);
  // a press on a note selects or drags it; the click that follows must not also seek
  const pressedNote = useRef(false);
  // the last tap of a finger on an empty place, and what pressed last (a double tap is drawn once, not again
  // by the dblclick the browser may make of it)
  const lastTap = useRef<{ at: number; x: number; y: number } | null>(null);
  const lastPointer = useRef("mouse");
  // a finger's pointerdown found a note: its touch must not scroll (see the touchstart listener below)
  const holding = useRef(false);
  const selected = editing?.selected ?? null;
  const edited = notes as EditedNote[];
  const selectedNote = editing ? edited.find((note) => sameRef(note.ref, selected)) : undefined;

  // while dragging, the note is drawn where it would go; the edit is made once, on release
  const shown = useMemo(() => {
    if (!drag) return notes;
    return edited.map((note) => {
      if (!sameRef(note.ref, drag.ref)) return note;
      const endS = drag.now.startS + drag.now.durationS;
      return { ...note, pitch: drag.now.pitch, startS: drag.now.startS, endS, soundEndS: endS };
    });
  }, [notes, edited, drag]);

  useEffect(() => {
    const ctx = canvas.current?.getContext("2d");
    if (!ctx) return;
    drawNotes(ctx, shown, { low, high, pxPerSecond, width, height, selected });
  }, [shown, low, high, pxPerSecond, width, height, selected]);

  useEffect(() => {
    if (!drag || !editing) return;
    const move = (e: globalThis.PointerEvent) => {
      if (e.pointerId !== drag.pointerId) return;
      const dx = (e.clientX - drag.fromX) / pxPerSecond;
      const rows = Math.round((e.clientY - drag.fromY) / ROW_PX);
      const { before } = drag;
      const now =
        drag.mode === "move"
          ? { ...before, pitch: before.pitch - rows, startS: Math.max(0, before.startS + dx) }
          : { ...before, durationS: Math.max(0.05, before.durationS + dx) };
      setDrag({ ...drag, now });
    };
    const release = (e: globalThis.PointerEvent) => {
      if (e.pointerId !== drag.pointerId) return;
      const { before, now } = drag;
      if (now.pitch !== before.pitch || now.startS !== before.startS || now.durationS !== before.durationS) {
        editing.onChange(drag.ref, now);
      }
      holding.current = false;
      setDrag(null);
    };
    // the browser took the gesture over (or the finger left): the note stays where it was
    const cancel = (e: globalThis.PointerEvent) => {
      if (e.pointerId !== drag.pointerId) return;
      holding.current = false;
      setDrag(null);
    };
    window.addEventListener("pointermove", move);
    window.addEventListener("pointerup", release);
    window.addEventListener("pointercancel", cancel);
    return () => {
      window.removeEventListener("pointermove", move);
      window.removeEventListener("pointerup", release);
      window.removeEventListener("pointercancel", cancel);
    };
  }, [drag, editing, pxPerSecond]);

  // A finger on a note holds it: the browser must not scroll the roll or the page instead. Only there, so
  // that a finger elsewhere still scrolls a long roll (which `touch-action: none` on the canvas would stop).
  // A listener of React's is passive and may not prevent that, hence this one. Browsers send the finger's
  // pointerdown first, and selecting the note may already have moved the roll (the text under it changes):
  // what that pointerdown found counts; without one, the note under the touch.
  const noteAtRef = useRef(noteAt);
  noteAtRef.current = noteAt;
  const editable = Boolean(editing);
  useEffect(() => {
    const element = canvas.current;
    if (!element || !editable) return;
    const hold = (e: TouchEvent) => {
      const touch = e.changedTouches[0];
      if (e.touches.length !== 1 || !touch) return;
      if (holding.current || noteAtRef.current(touch.clientX, touch.clientY, "touch")) e.preventDefault();
    };
    element.addEventListener("touchstart", hold, { passive: false });
    return () => element.removeEventListener("touchstart", hold);
  }, [editable]);

  /**
   * The note under a point of the window (client pixels) on the canvas (the one drawn last, as it is on
   * top), and whether on its end, the grip for a mouse or a finger.
   */
  function noteAt(
    clientX: number,
    clientY: number,
    pointer: "mouse" | "touch",
  ): { note: EditedNote; onEnd: boolean } | null {
    const box = canvas.current!.getBoundingClientRect();
    const x = clientX - box.left;
    const pitch = high - Math.floor((clientY - box.top) / ROW_PX);
    for (let i = edited.length - 1; i >= 0; i--) {
      const note = edited[i];
      const left = note.startS * pxPerSecond;
      const right = Math.max(left + 2, note.endS * pxPerSecond);
      const grip = pointer === "mouse" ? END_GRIP_PX : Math.min(TOUCH_END_GRIP_PX, (right - left) / 2);
      if (note.pitch === pitch && x >= left && x <= right + 1) return { note, onEnd: x >= right - grip };
    }
    return null;
  }

  function press(e: PointerEvent<HTMLCanvasElement>) {
    pressedNote.current = false;
    lastPointer.current = e.pointerType;
    if (!editing || e.button !== 0 || !e.isPrimary) return;
    const finger = e.pointerType !== "mouse";
    const hit = noteAt(e.clientX, e.clientY, finger ? "touch" : "mouse");
    holding.current = finger && hit !== null;
    if (!hit) {
      if (finger) doubleTap(e);
      return;
    }
    pressedNote.current = true;
    editing.onSelect(hit.note.ref);
    const before = fieldsOf(hit.note);
    setDrag({
      pointerId: e.pointerId,
      ref: hit.note.ref,
      mode: hit.onEnd ? "length" : "move",
      fromX: e.clientX,
      fromY: e.clientY,
      before,
      now: before,
    });
  }

  /** A finger's second tap on about the same empty place: draw a note there. */
  function doubleTap(e: PointerEvent<HTMLCanvasElement>) {
    const tap = { at: e.timeStamp, x: e.clientX, y: e.clientY };
    const before = lastTap.current;
    const again =
      before !== null &&
      tap.at - before.at < DOUBLE_TAP.ms &&
      Math.hypot(tap.x - before.x, tap.y - before.y) < DOUBLE_TAP.px;
    lastTap.current = again ? null : tap;
    if (again) draw(e.clientX, e.clientY);
  }

  function draw(clientX: number, clientY: number) {
    if (!editing || noteAt(clientX, clientY, "mouse")) return;
    const box = canvas.current!.getBoundingClientRect();
    const pitch = high - Math.floor((clientY - box.top) / ROW_PX);
    editing.onAdd({ pitch, startS: Math.max(0, (clientX - box.left) / pxPerSecond), durationS: NEW_NOTE_S });
  }

  function key(e: KeyboardEvent<HTMLDivElement>) {
    if (!editing || !selected || !selectedNote) return;
    const fields = fieldsOf(selectedNote);
    const step = e.shiftKey ? NUDGE_S / 10 : NUDGE_S;
    const octave = e.shiftKey ? 12 : 1;
    const moves: Record<string, NoteFields> = {
      ArrowUp: { ...fields, pitch: fields.pitch + octave },
      ArrowDown: { ...fields, pitch: fields.pitch - octave },
      ArrowLeft: { ...fields, startS: Math.max(0, fields.startS - step) },
      ArrowRight: { ...fields, startS: fields.startS + step },
    };
    if (e.key in moves) {
      e.preventDefault(); // the arrows would otherwise scroll the roll
      editing.onChange(selected, moves[e.key]);
    } else if (e.key === "Delete" || e.key === "Backspace") {
      e.preventDefault();
      editing.onDelete(selected);
    } else if (e.key === "Escape") {
      editing.onSelect(null);
    }
  }

  const label =
    notes.length === 0
      ? "Piano roll: no notes"
      : `Piano roll: ${notes.length} notes from ${pitchName(notes.reduce((m, n) => Math.min(m, n.pitch), 127))} to ${pitchName(notes.reduce((m, n) => Math.max(m, n.pitch), 0))}`;

  return (
    <>
      <div
        className={editing ? "piano-roll piano-roll-editing" : "piano-roll"}
        ref={scroller}
        tabIndex={0}
        aria-label="Piano roll (scrolls sideways)"
        role="region"
        onKeyDown={key}
      >
        <div className="piano-roll-inner" style={{ width, height }}>
          <canvas
            ref={canvas}
            width={width}
            height={height}
            role="img"
            aria-label={label}
            // where notes are drawn, so that the end-to-end journey can point at one
            data-px-per-second={pxPerSecond}
            data-top-pitch={high}
            onPointerDown={press}
            onDoubleClick={(e: MouseEvent<HTMLCanvasElement>) => {
              if (lastPointer.current === "mouse") draw(e.clientX, e.clientY);
            }}
            onClick={(e) => {
              if (pressedNote.current) return;
              editing?.onSelect(null);
              const box = e.currentTarget.getBoundingClientRect();
              onSeek((e.clientX - box.left) / pxPerSecond);
            }}
          />
          <Playhead clock={clock} pxPerSecond={pxPerSecond} scroller={scroller} following={following} />
        </div>
      </div>
      {editing && (
        <p className="muted piano-roll-selection" role="status">
          {selectedNote
            ? `Selected: ${pitchName(selectedNote.pitch)} at ${selectedNote.startS.toFixed(2)} s, ${(selectedNote.endS - selectedNote.startS).toFixed(2)} s long`
            : "Click or touch a note to select it; double-click or double-tap an empty place to draw one."}
        </p>
      )}
    </>
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
    selected,
  }: { low: number; high: number; pxPerSecond: number; width: number; height: number; selected: NoteRef | null },
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
    const isSelected = selected !== null && sameRef((note as EditedNote).ref ?? null, selected);
    ctx.fillStyle = isSelected ? "#d9480f" : `hsl(224 70% ${lightness}%)`;
    const x = note.startS * pxPerSecond;
    const w = Math.max(2, (note.endS - note.startS) * pxPerSecond - 1);
    ctx.fillRect(x, y(note.pitch) + 1, w, ROW_PX - 2);
  }
}
