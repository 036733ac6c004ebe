import { fileStem, filenameFromDisposition } from "./download";

describe("filenameFromDisposition", () => {
  it("takes the name from filename* (UTF-8, percent-encoded) over the plain fallback", () => {
    expect(
      filenameFromDisposition(
        `attachment; filename="Ase_s _Death_.mid"; filename*=UTF-8''%C3%85se%27s%20%22Death%22%20%E2%80%93%20Grieg.mid`,
      ),
    ).toBe('Åse\'s "Death" – Grieg.mid');
    expect(filenameFromDisposition("attachment; filename*=utf-8'en'Gymnop%C3%A9die.mid")).toBe("Gymnopédie.mid");
    expect(filenameFromDisposition("attachment; filename*=ISO-8859-1''Gymnop%E9die.mid")).toBe("Gymnopédie.mid");
  });

  it("reads the plain name, quoted or not", () => {
    expect(filenameFromDisposition('attachment; filename="song.mid"')).toBe("song.mid");
    expect(filenameFromDisposition('attachment; filename="a \\"quoted\\" song.mid"')).toBe('a "quoted" song.mid');
    expect(filenameFromDisposition("attachment; filename=song.mid")).toBe("song.mid");
  });

  it("falls back to the plain name when filename* is malformed", () => {
    expect(filenameFromDisposition(`attachment; filename="song.mid"; filename*=UTF-8''%E2%80.mid`)).toBe("song.mid");
  });

  it("has no name without a header or a filename", () => {
    expect(filenameFromDisposition(null)).toBeNull();
    expect(filenameFromDisposition("attachment")).toBeNull();
  });
});

it("a file's stem is its name without the extension", () => {
  expect(fileStem('take "1".wav')).toBe('take "1"');
  expect(fileStem(".wav")).toBe(".wav");
});
