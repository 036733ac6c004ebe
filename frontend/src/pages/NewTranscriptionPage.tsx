import { UploadPanel } from "../components/UploadPanel";

export function NewTranscriptionPage() {
  return (
    <div className="page narrow">
      <UploadPanel />
      <p className="muted about">
        TuneScribe listens to your recording and writes down the notes: you get a MIDI file, sheet music to read and
        play along with, and the original to compare.
      </p>
    </div>
  );
}
