import { act, fireEvent, render, screen } from "@testing-library/react";
import { PlaybackClock } from "../playback/clock";
import type { NoteRef } from "../lib/noteEdits";
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

  describe("correcting", () => {
    // 2 s at 60 px a second; C4..G4 padded to D♯3..E5 (pitches 51..76), 7 px a row: C4 at y 112..119, G4 at 63..70
    function editing(selected: NoteRef | null = null) {
      return { selected, onSelect: vi.fn(), onChange: vi.fn(), onDelete: vi.fn(), onAdd: vi.fn() };
    }
    const edited = notes.map((note, i) => ({ ...note, ref: { original: i } }));

    function renderRoll(edit: ReturnType<typeof editing>, onSeek = vi.fn()) {
      render(
        <PianoRoll
          notes={edited}
          duration={2}
          clock={new PlaybackClock()}
          following={false}
          onSeek={onSeek}
          editing={edit}
        />,
      );
      return screen.getByRole("img");
    }

    it("drags a note up two rows and later in time, as one change made on release", () => {
      const edit = editing();
      const onSeek = vi.fn();
      const canvas = renderRoll(edit, onSeek);
      fireEvent.pointerDown(canvas, { clientX: 20, clientY: 115, button: 0, pointerId: 1, isPrimary: true });
      expect(edit.onSelect).toHaveBeenCalledWith({ original: 0 });
      fireEvent.pointerMove(window, { clientX: 50, clientY: 101, pointerId: 1 });
      expect(edit.onChange).not.toHaveBeenCalled();
      fireEvent.pointerUp(window, { pointerId: 1 });
      fireEvent.click(canvas, { clientX: 50, clientY: 101 });
      expect(edit.onChange).toHaveBeenCalledWith({ original: 0 }, { pitch: 62, startS: 0.5, durationS: 1 });
      expect(onSeek).not.toHaveBeenCalled();
    });

    it("drags a note's end to change its length", () => {
      const edit = editing();
      const canvas = renderRoll(edit);
      fireEvent.pointerDown(canvas, { clientX: 58, clientY: 115, button: 0, pointerId: 1, isPrimary: true });
      fireEvent.pointerMove(window, { clientX: 88, clientY: 115, pointerId: 1 });
      fireEvent.pointerUp(window, { pointerId: 1 });
      expect(edit.onChange).toHaveBeenCalledWith({ original: 0 }, { pitch: 60, startS: 0, durationS: 1.5 });
    });

    it("moves the selected note with the arrows and deletes it with Delete", () => {
      const edit = editing({ original: 1 });
      renderRoll(edit);
      expect(screen.getByText("Selected: G4 at 1.00 s, 1.00 s long")).toBeInTheDocument();
      const region = screen.getByRole("region");
      fireEvent.keyDown(region, { key: "ArrowDown" });
      expect(edit.onChange).toHaveBeenLastCalledWith({ original: 1 }, { pitch: 66, startS: 1, durationS: 1 });
      fireEvent.keyDown(region, { key: "ArrowUp", shiftKey: true });
      expect(edit.onChange).toHaveBeenLastCalledWith({ original: 1 }, { pitch: 79, startS: 1, durationS: 1 });
      fireEvent.keyDown(region, { key: "ArrowLeft" });
      expect(edit.onChange).toHaveBeenLastCalledWith({ original: 1 }, { pitch: 67, startS: 0.95, durationS: 1 });
      fireEvent.keyDown(region, { key: "Delete" });
      expect(edit.onDelete).toHaveBeenCalledWith({ original: 1 });
    });

    it("draws a new half-second note with a double-click on an empty place, and seeks on a plain click", () => {
      const edit = editing();
      const onSeek = vi.fn();
      const canvas = renderRoll(edit, onSeek);
      fireEvent.doubleClick(canvas, { clientX: 90, clientY: 60 });
      expect(edit.onAdd).toHaveBeenCalledWith({ pitch: 68, startS: 1.5, durationS: 0.5 });
      fireEvent.pointerDown(canvas, { clientX: 90, clientY: 60, button: 0, pointerId: 1, isPrimary: true });
      fireEvent.click(canvas, { clientX: 90, clientY: 60 });
      expect(onSeek).toHaveBeenCalledWith(1.5);
      expect(edit.onSelect).toHaveBeenCalledWith(null);
    });

    describe("with a finger", () => {
      const finger = (clientX: number, clientY: number) => ({
        clientX,
        clientY,
        button: 0,
        pointerId: 7,
        pointerType: "touch",
        isPrimary: true,
      });
      const touch = (clientX: number, clientY: number) => ({
        touches: [{ clientX, clientY }],
        changedTouches: [{ clientX, clientY }],
      });

      it("holds a touched note, so that the browser does not scroll instead, and drags it", () => {
        const edit = editing();
        const canvas = renderRoll(edit);
        // a browser sends the pointerdown first; selecting the note may move the roll before the touchstart
        fireEvent.pointerDown(canvas, finger(20, 115));
        expect(edit.onSelect).toHaveBeenCalledWith({ original: 0 });
        canvas.getBoundingClientRect = () => ({ left: 0, top: 21, width: 120, height: 180 }) as DOMRect;
        // fireEvent answers false when the event's default (here: scrolling) was prevented
        expect(fireEvent.touchStart(canvas, touch(20, 115))).toBe(false);
        fireEvent.pointerMove(window, finger(50, 101));
        fireEvent.pointerUp(window, finger(50, 101));
        expect(edit.onChange).toHaveBeenCalledWith({ original: 0 }, { pitch: 62, startS: 0.5, durationS: 1 });
      });

      it("holds a touched note when the touchstart comes before the pointerdown", () => {
        const canvas = renderRoll(editing());
        expect(fireEvent.touchStart(canvas, touch(20, 115))).toBe(false);
      });

      it("lets a touch on an empty place scroll, and draws a note with a double tap there, once", () => {
        const edit = editing();
        const canvas = renderRoll(edit);
        expect(fireEvent.touchStart(canvas, touch(90, 60))).toBe(true);
        fireEvent.pointerDown(canvas, finger(90, 60));
        expect(edit.onAdd).not.toHaveBeenCalled();
        fireEvent.pointerDown(canvas, finger(90, 62));
        expect(edit.onAdd).toHaveBeenCalledWith({ pitch: 68, startS: 1.5, durationS: 0.5 });
        // the dblclick a browser may also make of the double tap draws nothing more
        fireEvent.doubleClick(canvas, { clientX: 90, clientY: 62 });
        expect(edit.onAdd).toHaveBeenCalledTimes(1);
      });

      it("takes the last 12 px of a note as its end, where a mouse takes 5", () => {
        const edit = editing();
        const canvas = renderRoll(edit);
        fireEvent.pointerDown(canvas, finger(50, 115));
        fireEvent.pointerMove(window, finger(80, 115));
        fireEvent.pointerUp(window, finger(80, 115));
        expect(edit.onChange).toHaveBeenCalledWith({ original: 0 }, { pitch: 60, startS: 0, durationS: 1.5 });
      });

      it("leaves the note where it was when the browser takes the gesture over", () => {
        const edit = editing();
        const canvas = renderRoll(edit);
        fireEvent.pointerDown(canvas, finger(20, 115));
        fireEvent.pointerMove(window, finger(50, 101));
        fireEvent.pointerCancel(window, finger(50, 101));
        fireEvent.pointerUp(window, finger(50, 101));
        expect(edit.onChange).not.toHaveBeenCalled();
      });
    });
  });
});
