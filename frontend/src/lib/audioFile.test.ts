import { checkAudioFile, MAX_UPLOAD_BYTES } from "./audioFile";

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

  it("refuses a file over 100 MB", () => {
    expect(checkAudioFile(fileOf("long.wav", "audio/wav", MAX_UPLOAD_BYTES + 1))).toMatch(/limit is 100 MB/);
  });

  it("refuses an empty file", () => {
    expect(checkAudioFile(fileOf("empty.mp3", "audio/mpeg", 0))).toMatch(/empty/);
  });
});
