import { fireEvent, render, screen } from "@testing-library/react";
import type { MeasureBox } from "../playback/scoreMeasures";
import { LoopSelection } from "./LoopSelection";

// two systems of three measures, each measure 100 px wide and 80 px tall, the second system 120 px lower
const BOXES: MeasureBox[] = [1, 2, 3, 4, 5, 6].map((measure) => ({
  measure,
  x: 20 + ((measure - 1) % 3) * 100,
  y: measure <= 3 ? 10 : 130,
  width: 100,
  height: 80,
}));

/** A point inside measure `m`, in client pixels (jsdom puts the layer at 0, 0). */
const inMeasure = (m: number) => ({ clientX: BOXES[m - 1].x + 50, clientY: BOXES[m - 1].y + 40, pointerId: 1 });

function setUp(loop: { firstMeasure: number; lastMeasure: number } | null = null) {
  const onSelect = vi.fn();
  render(<LoopSelection boxes={BOXES} loop={loop} offset={{ x: 0, y: 0 }} onSelect={onSelect} />);
  return { onSelect, layer: screen.getByTestId("loop-selection") };
}

const shaded = () =>
  [...document.querySelectorAll(".loop-measure")].map((el) => Number(el.getAttribute("data-measure")));

describe("LoopSelection", () => {
  it("loops the measures dragged over, across systems, showing the span while dragging", () => {
    const { onSelect, layer } = setUp();
    fireEvent.pointerDown(layer, inMeasure(2));
    fireEvent.pointerMove(layer, inMeasure(4));
    expect(shaded()).toEqual([2, 3, 4]);
    fireEvent.pointerUp(layer, inMeasure(4));
    expect(onSelect).toHaveBeenCalledWith(2, 4);
  });

  it("loops from a first click to a second, backwards too", () => {
    const { onSelect, layer } = setUp();
    fireEvent.pointerDown(layer, inMeasure(5));
    fireEvent.pointerUp(layer, inMeasure(5));
    expect(onSelect).not.toHaveBeenCalled();
    expect(shaded()).toEqual([5]); // the first click waits for the second
    fireEvent.pointerDown(layer, inMeasure(3));
    fireEvent.pointerUp(layer, inMeasure(3));
    expect(onSelect).toHaveBeenCalledWith(5, 3);
  });

  it("ignores presses between the systems", () => {
    const { onSelect, layer } = setUp();
    fireEvent.pointerDown(layer, { clientX: 60, clientY: 110, pointerId: 1 });
    fireEvent.pointerUp(layer, { clientX: 60, clientY: 110, pointerId: 1 });
    expect(onSelect).not.toHaveBeenCalled();
    expect(shaded()).toEqual([]);
  });

  it("shades the looped measures", () => {
    setUp({ firstMeasure: 3, lastMeasure: 4 });
    expect(shaded()).toEqual([3, 4]);
    const third = document.querySelector<HTMLElement>('[data-measure="3"]')!;
    expect(third.style.left).toBe("220px");
    expect(third.style.top).toBe("10px");
  });
});
