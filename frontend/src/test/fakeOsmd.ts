/** A stand-in for OpenSheetMusicDisplay: records what the app asks of it; the cursor walks `positions`. */
import { vi } from "vitest";

export class FakeIterator {
  constructor(
    public positions: number[],
    public index = 0,
  ) {}
  get EndReached() {
    return this.index >= this.positions.length;
  }
  get CurrentMeasureIndex() {
    return Math.floor(this.positions[this.index]);
  }
  get CurrentMeasure() {
    return { Duration: { RealValue: 1 } };
  }
  get CurrentRelativeInMeasureTimestamp() {
    return { RealValue: this.positions[this.index] % 1 };
  }
  moveToNext() {
    this.index++;
  }
  clone() {
    return new FakeIterator(this.positions, this.index);
  }
}

export class FakeCursor {
  iterator: FakeIterator;
  /** the step the drawn cursor was last put at */
  shownAt = -1;
  cursorElement = document.createElement("img");
  constructor(positions: number[]) {
    this.iterator = new FakeIterator(positions);
  }
  get Iterator() {
    return this.iterator;
  }
  show() {}
  reset() {
    this.iterator.index = 0;
    this.update();
  }
  update() {
    this.shownAt = this.iterator.index;
  }
}

export const osmdInstances: FakeOsmd[] = [];

export class FakeOsmd {
  static positions = [0, 0.25, 0.5, 0.75, 1, 1.5, 2, 2.5, 3, 3.5];
  Zoom = 1;
  cursor = new FakeCursor(FakeOsmd.positions);
  load = vi.fn(async (_xml: string) => {});
  render = vi.fn(() => {
    this.container.innerHTML = `<svg data-zoom="${this.Zoom}"><g class="vf-measure"></g></svg>`;
  });
  clear = vi.fn();
  setOptions = vi.fn();
  constructor(
    public container: HTMLElement,
    public options: unknown,
  ) {
    osmdInstances.push(this);
  }
}
