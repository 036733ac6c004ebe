import { act, render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { PlaybackClock } from "../playback/clock";
import { osmdInstances } from "../test/fakeOsmd";
import { MUSICXML, TIME_MAP } from "../test/fixtures";
import ScoreView from "./ScoreView";

vi.mock("opensheetmusicdisplay", async () => ({ OpenSheetMusicDisplay: (await import("../test/fakeOsmd")).FakeOsmd }));

async function drawn(clock = new PlaybackClock()) {
  osmdInstances.length = 0;
  render(<ScoreView musicXml={MUSICXML} timeMap={TIME_MAP} clock={clock} following={false} />);
  await waitFor(() => expect(screen.getByTestId("score-sheet")).toHaveAttribute("data-cursor", "ready"));
  return { osmd: osmdInstances[0], clock };
}

describe("ScoreView", () => {
  it("draws the MusicXML with OSMD: a screenful first, then the whole score", async () => {
    const { osmd } = await drawn();
    expect(osmd.load).toHaveBeenCalledWith(MUSICXML);
    expect(osmd.setOptions.mock.calls.map(([options]) => options.drawUpToMeasureNumber)).toEqual([
      12,
      Number.MAX_SAFE_INTEGER,
    ]);
    expect(osmd.render).toHaveBeenCalledTimes(2);
    expect(screen.getByTestId("score-sheet").querySelector("svg")).not.toBeNull();
  });

  it("moves the cursor to the measure and beat being heard", async () => {
    const { osmd, clock } = await drawn();
    // the fake score's cursor stops at measure positions 0, .25, .5, .75, 1, 1.5, 2 ...
    act(() => clock.set(0.6)); // beat 2.2 of measure 1: position 0.3
    expect(osmd.cursor.shownAt).toBe(1);
    act(() => clock.set(2.9)); // measure 2, beat 2.8: position 1.45
    expect(osmd.cursor.shownAt).toBe(4);
    act(() => clock.set(0)); // back to the start
    expect(osmd.cursor.shownAt).toBe(0);
  });

  it("gets its cursor when the time map arrives after the score is drawn", async () => {
    osmdInstances.length = 0;
    const clock = new PlaybackClock();
    const { rerender } = render(<ScoreView musicXml={MUSICXML} timeMap={null} clock={clock} following={false} />);
    const sheet = screen.getByTestId("score-sheet");
    await waitFor(() => expect(sheet).toHaveAttribute("data-state", "ready"));
    expect(sheet).not.toHaveAttribute("data-cursor");
    rerender(<ScoreView musicXml={MUSICXML} timeMap={TIME_MAP} clock={clock} following={false} />);
    await waitFor(() => expect(sheet).toHaveAttribute("data-cursor", "ready"));
    act(() => clock.set(2.9));
    expect(osmdInstances[0].cursor.shownAt).toBe(4);
  });

  it("offers the loop selection over the score once it has a cursor, with what it is given above the sheet", async () => {
    osmdInstances.length = 0;
    const clock = new PlaybackClock();
    const onSelectMeasures = vi.fn();
    const { rerender } = render(
      <ScoreView musicXml={MUSICXML} timeMap={null} clock={clock} following={false} onSelectMeasures={onSelectMeasures}>
        <p>practice controls</p>
      </ScoreView>,
    );
    expect(screen.getByText("practice controls")).toBeInTheDocument();
    await waitFor(() => expect(screen.getByTestId("score-sheet")).toHaveAttribute("data-state", "ready"));
    expect(screen.queryByTestId("loop-selection")).not.toBeInTheDocument(); // no time map: nothing to loop by
    rerender(
      <ScoreView
        musicXml={MUSICXML}
        timeMap={TIME_MAP}
        clock={clock}
        following={false}
        onSelectMeasures={onSelectMeasures}
      >
        <p>practice controls</p>
      </ScoreView>,
    );
    await waitFor(() => expect(screen.getByTestId("loop-selection")).toBeInTheDocument());
  });

  it("zooms in and out", async () => {
    const { osmd } = await drawn();
    const user = userEvent.setup();
    await user.click(screen.getByRole("button", { name: "Zoom in" }));
    expect(osmd.Zoom).toBe(1.25);
    expect(osmd.render).toHaveBeenCalledTimes(3);
    expect(screen.getByLabelText("Zoom")).toHaveTextContent("125%");
    await user.click(screen.getByRole("button", { name: "Zoom out" }));
    await user.click(screen.getByRole("button", { name: "Zoom out" }));
    expect(osmd.Zoom).toBe(0.8);
  });
});
