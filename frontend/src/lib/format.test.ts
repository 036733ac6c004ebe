import { describeInstrument, formatDuration, jobTitle } from "./format";
import { pitchName } from "./pitch";

describe("formatDuration", () => {
  it("writes minutes and seconds, and hours when needed", () => {
    expect(formatDuration(75.4)).toBe("1:15");
    expect(formatDuration(3725)).toBe("1:02:05");
    expect(formatDuration(null)).toBe("–");
  });
});

it("a job without a title is called by its file name", () => {
  expect(jobTitle({ title: null, filename: "take.wav" })).toBe("take.wav");
  expect(jobTitle({ title: "  ", filename: "take.wav" })).toBe("take.wav");
  expect(jobTitle({ title: "Etude", filename: "take.wav" })).toBe("Etude");
});

it("names the instrument asked beside the model that made the transcription", () => {
  expect(describeInstrument({ instrument: "piano", model_version: "tsunet-v1" })).toBe("Piano · model tsunet-v1");
  expect(describeInstrument({ instrument: "auto", model_version: null })).toBe("Auto");
});

it("names pitches in scientific notation", () => {
  expect(pitchName(60)).toBe("C4");
  expect(pitchName(21)).toBe("A0");
  expect(pitchName(70)).toBe("B♭4");
});
