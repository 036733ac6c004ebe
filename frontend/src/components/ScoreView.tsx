import { OpenSheetMusicDisplay } from "opensheetmusicdisplay";
import { type ReactNode, useEffect, useMemo, useRef, useState } from "react";
import { flushSync } from "react-dom";
import type { TimeMapEntry } from "../api/types";
import type { PlaybackClock } from "../playback/clock";
import type { LoopSpan } from "../playback/practice";
import { ScoreCursor } from "../playback/scoreCursor";
import { type MeasureBox, measureBoxes } from "../playback/scoreMeasures";
import { prepareTimeMap } from "../playback/timeMap";
import { Alert } from "./Alert";
import { LoopSelection } from "./LoopSelection";

const ZOOMS = [0.5, 0.65, 0.8, 1, 1.25, 1.5, 2];
/** measures drawn before the rest: about a screenful on a desktop */
const FIRST_SCREEN_MEASURES = 12;
const CURSORS = [{ type: 0, color: "#f59e0b", alpha: 0.45, follow: false }]; // amber, CursorType.Standard

interface Props {
  musicXml: string;
  /** null: no time map, so no cursor */
  timeMap: TimeMapEntry[] | null;
  clock: PlaybackClock;
  /** keep the cursor in view while playing */
  following: boolean;
  /** the looped measures, shown on the score */
  loop?: LoopSpan | null;
  /** given: measures can be chosen on the score to loop them */
  onSelectMeasures?(first: number, last: number): void;
  /** shown under the zoom, above the sheet (the practice controls): the zoom sits on the heading's line */
  children?: ReactNode;
}

/**
 * The sheet music, drawn by OpenSheetMusicDisplay (VexFlow underneath) with a cursor on the note
 * being heard. This module (with OSMD) is loaded on demand (React.lazy, preloaded by the job page) so
 * that OSMD stays out of the main bundle.
 */
export default function ScoreView({
  musicXml,
  timeMap,
  clock,
  following,
  loop = null,
  onSelectMeasures,
  children,
}: Props) {
  const container = useRef<HTMLDivElement>(null);
  const stage = useRef<HTMLDivElement>(null);
  const [layout, setLayout] = useState<{ boxes: MeasureBox[]; offset: { x: number; y: number } }>({
    boxes: [],
    offset: { x: 0, y: 0 },
  });
  const osmd = useRef<OpenSheetMusicDisplay | null>(null);
  const cursor = useRef<ScoreCursor | null>(null);
  const [zoomIndex, setZoomIndex] = useState(ZOOMS.indexOf(1));
  const [state, setState] = useState<"drawing" | "partial" | "ready" | "error">("drawing");
  const [error, setError] = useState<string | null>(null);
  const [hasCursor, setHasCursor] = useState(false);
  const points = useMemo(() => (timeMap ? prepareTimeMap(timeMap) : null), [timeMap]);
  // read by the drawing effect, which runs once per score: the time map may arrive after the MusicXML
  const pointsRef = useRef(points);
  pointsRef.current = points;
  const zoom = ZOOMS[zoomIndex];
  const followingRef = useRef(following);
  followingRef.current = following;

  // Load and draw once per score: the first measures (a screenful) at once, then the whole score
  // after that has been painted. On this machine the first screen comes about half a second sooner,
  // and the whole score only a little later than drawing it in one go.
  useEffect(() => {
    let cancelled = false;
    const element = container.current!;
    setState("drawing");
    (async () => {
      try {
        performance.mark("score:start");
        const sheet = new OpenSheetMusicDisplay(element, {
          autoResize: false, // we re-render on resize ourselves, keeping the cursor
          backend: "svg",
          drawTitle: false,
          drawSubtitle: false,
          drawComposer: false,
          drawCredits: false,
          drawPartNames: false,
          followCursor: false,
          cursorsOptions: CURSORS,
        });
        await sheet.load(musicXml);
        performance.mark("score:parsed");
        if (cancelled) return;
        sheet.Zoom = zoom;
        // every setOptions call restates the cursors: OSMD resets any it is not given to its green default
        sheet.setOptions({ drawUpToMeasureNumber: FIRST_SCREEN_MEASURES, cursorsOptions: CURSORS });
        sheet.render();
        performance.mark("score:first-screen");
        flushSync(() => setState("partial")); // in the same frame as the drawing
        await nextPaint();
        if (cancelled) return;
        sheet.setOptions({ drawUpToMeasureNumber: Number.MAX_SAFE_INTEGER, cursorsOptions: CURSORS });
        sheet.render();
        performance.mark("score:drawn");
        osmd.current = sheet;
        flushSync(() => setState("ready"));
        // the cursor walks the whole score once: after the score is on screen
        await nextPaint();
        if (cancelled) return;
        attachCursor();
        performance.mark("score:cursor");
      } catch (e) {
        if (!cancelled) {
          setError((e as Error).message);
          setState("error");
        }
      }
    })();
    return () => {
      cancelled = true;
      osmd.current?.clear();
      osmd.current = null;
      cursor.current = null;
    };
    // zoom is applied by its own effect; drawing again here would only repeat the work
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [musicXml]);

  function attachCursor() {
    const sheet = osmd.current;
    const points = pointsRef.current;
    if (!sheet || !points || points.length === 0) return;
    cursor.current = new ScoreCursor(sheet.cursor, points);
    cursor.current.moveTo(clock.seconds);
    setHasCursor(true);
    measureLayout();
  }

  /** Where each measure is drawn, for choosing a loop on the score: after every drawing. */
  function measureLayout() {
    const sheet = osmd.current;
    const svg = container.current?.querySelector("svg");
    if (!sheet || !svg || !stage.current) return;
    const drawn = svg.getBoundingClientRect();
    const frame = stage.current.getBoundingClientRect();
    setLayout({ boxes: measureBoxes(sheet), offset: { x: drawn.left - frame.left, y: drawn.top - frame.top } });
  }

  function redraw() {
    const sheet = osmd.current;
    if (!sheet) return;
    sheet.Zoom = zoom;
    sheet.render();
    attachCursor();
  }

  // A time map that arrives after the score was drawn: the cursor comes with it.
  useEffect(() => {
    if (osmd.current && !cursor.current) attachCursor();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [points]);

  // Zoom.
  useEffect(() => {
    if (state === "ready") redraw();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [zoom]);

  // Responsive: lay the systems out again when the width changes.
  useEffect(() => {
    const element = container.current;
    if (!element || state !== "ready" || typeof ResizeObserver === "undefined") return;
    let width = element.clientWidth;
    let timer = 0;
    const observer = new ResizeObserver(() => {
      if (Math.abs(element.clientWidth - width) < 8) return;
      width = element.clientWidth;
      clearTimeout(timer);
      timer = window.setTimeout(redraw, 200);
    });
    observer.observe(element);
    return () => {
      observer.disconnect();
      clearTimeout(timer);
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [state, zoom]);

  // Follow the playback position.
  useEffect(() => {
    if (state !== "ready") return;
    return clock.subscribe(() => {
      const current = cursor.current;
      if (!current) return;
      current.moveTo(clock.seconds);
      if (followingRef.current) keepInView(current.element);
    });
  }, [clock, state]);

  return (
    <div className="score-view">
      <div className="score-toolbar" role="toolbar" aria-label="Score zoom">
        <button
          type="button"
          className="icon-button"
          onClick={() => setZoomIndex((i) => Math.max(0, i - 1))}
          disabled={zoomIndex === 0 || state !== "ready"}
          aria-label="Zoom out"
        >
          −
        </button>
        <output className="zoom-value" aria-live="polite" aria-label="Zoom">
          {Math.round(zoom * 100)}%
        </output>
        <button
          type="button"
          className="icon-button"
          onClick={() => setZoomIndex((i) => Math.min(ZOOMS.length - 1, i + 1))}
          disabled={zoomIndex === ZOOMS.length - 1 || state !== "ready"}
          aria-label="Zoom in"
        >
          +
        </button>
      </div>
      {children}
      {(state === "drawing" || state === "partial") && (
        <p className="muted" role="status">
          {state === "drawing" ? "Drawing the score…" : "Drawing the rest of the score…"}
        </p>
      )}
      {state === "error" && <Alert>The score could not be drawn: {error}</Alert>}
      <div ref={stage} className="score-stage">
        <div
          ref={container}
          className="score-sheet"
          data-testid="score-sheet"
          data-state={state}
          data-cursor={hasCursor ? "ready" : undefined}
          role="img"
          aria-label="Sheet music of the transcription"
        />
        {onSelectMeasures && hasCursor && state === "ready" && (
          <LoopSelection boxes={layout.boxes} loop={loop} offset={layout.offset} onSelect={onSelectMeasures} />
        )}
      </div>
    </div>
  );
}

/** Resolves once the browser has painted what is drawn so far. */
function nextPaint(): Promise<void> {
  return new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
}

function keepInView(element: HTMLElement | null) {
  if (!element) return;
  const box = element.getBoundingClientRect();
  const margin = 80;
  if (box.top < margin || box.bottom > window.innerHeight - margin) {
    element.scrollIntoView?.({ block: "center", behavior: "smooth" });
  }
}
