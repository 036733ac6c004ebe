/** Something that plays the piece and says where it is, in seconds of the original recording. */
export interface Player {
  play(): Promise<void>;
  pause(): void;
  seek(seconds: number): void;
  /** 1 = as recorded; 0.5 = half speed */
  setRate(rate: number): void;
  seconds(): number;
  readonly duration: number;
  dispose(): void;
}

export type PlaybackSource = "transcription" | "recording";
