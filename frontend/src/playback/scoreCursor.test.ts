import { stepAt } from "./scoreCursor";

describe("stepAt", () => {
  const steps = [0, 0.25, 0.5, 1, 1.5, 2].map((position) => ({ position }));

  it("is the last cursor step at or before a position", () => {
    expect(stepAt(steps, 0)).toBe(0);
    expect(stepAt(steps, 0.3)).toBe(1);
    expect(stepAt(steps, 1)).toBe(3);
    expect(stepAt(steps, 9)).toBe(5);
  });

  it("stays at the start before the first note", () => {
    expect(stepAt([{ position: 0.5 }], 0.1)).toBe(0);
    expect(stepAt([], 3)).toBe(0);
  });
});
