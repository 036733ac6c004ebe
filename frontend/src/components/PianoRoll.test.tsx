import { act, fireEvent, render, screen } from "@testing-library/react";
import { PlaybackClock } from "../playback/clock";
import { PianoRoll } from "./PianoRoll";

const notes = [
  { pitch: 60, startS: 0, endS: 1, soundEndS: 1, velocity: 0.8 },
  { pitch: 67, startS: 1, endS: 2, soundEndS: 2, velocity: 0.5 },
];

describe("PianoRoll", () => {
  it("describes its notes to a screen reader", () => {
    render(<PianoRoll notes={notes} duration={2} clock={new PlaybackClock()} following={false} onSeek={() => {}} />);
    expect(screen.getByRole("img", { name: "Piano roll: 2 notes from C4 to G4" })).toBeInTheDocument();
  });

  it("moves its playhead with the clock and seeks where clicked", () => {
    const clock = new PlaybackClock();
    const onSeek = vi.fn();
    render(<PianoRoll notes={notes} duration={2} clock={clock} following={false} onSeek={onSeek} />);
    act(() => clock.set(1));
    expect(screen.getByTestId("piano-roll-playhead").style.transform).toBe("translateX(60px)");
    const canvas = screen.getByRole("img");
    canvas.getBoundingClientRect = () => ({ left: 10, top: 0, width: 120, height: 100 }) as DOMRect;
    fireEvent.click(canvas, { clientX: 40 });
    expect(onSeek).toHaveBeenCalledWith(0.5);
  });
});
