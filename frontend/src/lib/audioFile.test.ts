import { checkAudioFile, describeLimits } from "./audioFile";

const LIMITS = { max_upload_mb: 100, max_audio_minutes: 20 };

function fileOf(name: string, type: string, size = 1000): File {
  const file = new File(["x"], name, { type });
  Object.defineProperty(file, "size", { value: size });
  return file;
}

describe("checkAudioFile", () => {
  it("accepts audio by its type", () => {
    expect(checkAudioFile(fileOf("take.wav", "audio/wav"))).toBeNull();
  });

  it("accepts audio by its extension when the browser gives no type", () => {
    expect(checkAudioFile(fileOf("take.FLAC", ""))).toBeNull();
  });

  it("refuses a file that is not audio", () => {
    expect(checkAudioFile(fileOf("score.pdf", "application/pdf"))).toMatch(/not an audio file/);
  });

  it("refuses a file over the server's size limit", () => {
    expect(checkAudioFile(fileOf("long.wav", "audio/wav", 100 * 1024 * 1024 + 1), LIMITS)).toMatch(/limit is 100 MB/);
    expect(checkAudioFile(fileOf("long.wav", "audio/wav", 100 * 1024 * 1024), LIMITS)).toBeNull();
  });

  it("leaves the size to the server while the limits are not known", () => {
    expect(checkAudioFile(fileOf("long.wav", "audio/wav", 500 * 1024 * 1024))).toBeNull();
  });

  it("refuses an empty file", () => {
    expect(checkAudioFile(fileOf("empty.mp3", "audio/mpeg", 0))).toMatch(/empty/);
  });
});

it("states the limits in words", () => {
  expect(describeLimits(LIMITS)).toBe("Up to 100 MB and 20 minutes");
  expect(describeLimits({ max_upload_mb: 50, max_audio_minutes: 1 })).toBe("Up to 50 MB and 1 minute");
  expect(describeLimits({ max_upload_mb: 50, max_audio_minutes: 7.5 })).toBe("Up to 50 MB and 7.5 minutes");
});
