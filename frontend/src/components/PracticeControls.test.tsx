import { render, renderHook, act, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { usePractice } from "../hooks/usePractice";
import { TIME_MAP } from "../test/fixtures";
import { PracticeControls } from "./PracticeControls";

/** The controls on a real usePractice over the fixture's two bars of 4/4 (2 s each). */
function Harness() {
  const practice = usePractice(TIME_MAP);
  return (
    <>
      <PracticeControls practice={practice} />
      <button type="button" onClick={() => practice.selectMeasures(2, 1)}>
        choose bars 1-2 on the score
      </button>
      <output data-testid="practice">{JSON.stringify(practice)}</output>
    </>
  );
}

const state = () => JSON.parse(screen.getByTestId("practice").textContent!);

describe("PracticeControls", () => {
  it("says how to choose a loop until one is chosen, then names its bars and times", async () => {
    const user = userEvent.setup();
    render(<Harness />);
    expect(screen.getByText(/drag over its measures on the score/)).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Clear loop" })).not.toBeInTheDocument();
    await user.click(screen.getByRole("button", { name: "choose bars 1-2 on the score" }));
    expect(screen.getByText("Looping bars 1–2")).toBeInTheDocument();
    expect(screen.getByText("(0:00–0:04)")).toBeInTheDocument();
    expect(state().loop).toEqual({ firstMeasure: 1, lastMeasure: 2, startS: 0, endS: 4 });
  });

  it("removes the loop with Clear loop", async () => {
    const user = userEvent.setup();
    render(<Harness />);
    await user.click(screen.getByRole("button", { name: "choose bars 1-2 on the score" }));
    await user.click(screen.getByRole("button", { name: "Clear loop" }));
    expect(state().loop).toBeNull();
    expect(screen.getByText(/drag over its measures on the score/)).toBeInTheDocument();
  });

  it("turns the count-in and the metronome on and off, each on its own", async () => {
    const user = userEvent.setup();
    render(<Harness />);
    const countIn = screen.getByRole("checkbox", { name: "Count-in" });
    const metronome = screen.getByRole("checkbox", { name: "Metronome" });
    expect(countIn).not.toBeChecked();
    expect(metronome).not.toBeChecked();
    await user.click(countIn);
    expect(state()).toMatchObject({ countIn: true, metronome: false });
    await user.click(metronome);
    await user.click(countIn);
    expect(state()).toMatchObject({ countIn: false, metronome: true });
  });
});

describe("usePractice", () => {
  it("has no loop for measures the time map does not have", () => {
    const { result } = renderHook(() => usePractice(TIME_MAP));
    act(() => result.current.selectMeasures(2, 5));
    expect(result.current.loop).toBeNull();
  });
});
