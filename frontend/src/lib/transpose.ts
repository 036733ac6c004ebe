/**
 * The keys the score can be written in, as the API's `?transpose=` takes them: "" as transcribed
 * (concert pitch), a transposing instrument's written part, or a directed interval (M2 up a major
 * second, -m3 down a minor third). The API takes any interval up to two octaves; these are the ones a
 * player reaches for.
 */
export interface Transposition {
  value: string;
  label: string;
}

export const CONCERT_PITCH = "";

export const INSTRUMENTS: Transposition[] = [
  { value: "Bb", label: "B♭ instruments (clarinet, trumpet)" },
  { value: "Eb", label: "E♭ instruments (alto sax)" },
  { value: "F", label: "F instruments (horn)" },
];

const INTERVALS: [string, string][] = [
  ["m2", "minor second"],
  ["M2", "major second"],
  ["m3", "minor third"],
  ["M3", "major third"],
  ["P4", "fourth"],
  ["A4", "tritone"],
  ["P5", "fifth"],
  ["m6", "minor sixth"],
  ["M6", "major sixth"],
  ["m7", "minor seventh"],
  ["M7", "major seventh"],
  ["P8", "octave"],
];

export const UP: Transposition[] = INTERVALS.map(([value, name]) => ({ value, label: `Up a ${name}` }));
export const DOWN: Transposition[] = INTERVALS.map(([value, name]) => ({
  value: `-${value}`,
  label: `Down a ${name}`,
}));

/** "Bb" -> "B♭ instruments (clarinet, trumpet)"; "" -> "Concert pitch" */
export function transpositionLabel(value: string): string {
  if (value === CONCERT_PITCH) return "Concert pitch";
  return [...INSTRUMENTS, ...UP, ...DOWN].find((t) => t.value === value)?.label ?? value;
}
