import { useRef, useState } from "react";
import { type MeasureBox, measureAt } from "../playback/scoreMeasures";

interface Props {
  boxes: MeasureBox[];
  /** the looped measures, 1-based, or null */
  loop: { firstMeasure: number; lastMeasure: number } | null;
  /** where the drawn score sits in this layer, in pixels */
  offset: { x: number; y: number };
  onSelect(first: number, last: number): void;
}

/**
 * A layer over the score that chooses the measures to loop: drag from one measure to another, or
 * click the first and then the last. Shows the looped measures (and the span being dragged) shaded.
 */
export function LoopSelection({ boxes, loop, offset, onSelect }: Props) {
  const layer = useRef<HTMLDivElement>(null);
  /** the measure a drag started on, or the first of two clicks */
  const [anchor, setAnchor] = useState<number | null>(null);
  const [pointed, setPointed] = useState<number | null>(null);
  const dragging = useRef<number | null>(null);

  function measureUnder(event: React.PointerEvent): number | null {
    const rect = layer.current!.getBoundingClientRect();
    return measureAt(boxes, event.clientX - rect.left - offset.x, event.clientY - rect.top - offset.y);
  }

  function onPointerDown(event: React.PointerEvent) {
    const measure = measureUnder(event);
    if (measure === null) return;
    dragging.current = measure;
    setPointed(measure);
    layer.current?.setPointerCapture?.(event.pointerId);
  }

  function onPointerMove(event: React.PointerEvent) {
    if (dragging.current === null) return;
    const measure = measureUnder(event);
    if (measure !== null) setPointed(measure);
  }

  function onPointerUp(event: React.PointerEvent) {
    const start = dragging.current;
    dragging.current = null;
    if (start === null) return;
    const end = measureUnder(event) ?? pointed ?? start;
    setPointed(null);
    if (end !== start) {
      setAnchor(null);
      onSelect(start, end);
    } else if (anchor === null) {
      setAnchor(start); // the first of two clicks
    } else {
      setAnchor(null);
      onSelect(anchor, start);
    }
  }

  // the span being chosen (a drag, or a first click waiting for the second) shows instead of the loop
  const from = dragging.current ?? anchor;
  const shown =
    from !== null
      ? { first: Math.min(from, pointed ?? from), last: Math.max(from, pointed ?? from), pending: true }
      : loop
        ? { first: loop.firstMeasure, last: loop.lastMeasure, pending: false }
        : null;

  return (
    <div
      ref={layer}
      className="loop-selection"
      data-testid="loop-selection"
      onPointerDown={onPointerDown}
      onPointerMove={onPointerMove}
      onPointerUp={onPointerUp}
      onPointerCancel={() => {
        dragging.current = null;
        setPointed(null);
      }}
    >
      {shown &&
        boxes
          .filter((b) => b.measure >= shown.first && b.measure <= shown.last)
          .map((b) => (
            <div
              key={b.measure}
              className={shown.pending ? "loop-measure is-pending" : "loop-measure"}
              data-measure={b.measure}
              style={{ left: b.x + offset.x, top: b.y + offset.y, width: b.width, height: b.height }}
            />
          ))}
    </div>
  );
}
