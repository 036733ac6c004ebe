import { lazy, Suspense, useState } from "react";
import { Link } from "react-router";
import { foundNoNotes, type JobPublic, type NoteEditIn } from "../api/types";
import { useScore, useTranscriptionNotes } from "../hooks/useJobArtifacts";
import { useNoteCorrections } from "../hooks/useNoteCorrections";
import { useRevisions, useSaveCorrections } from "../hooks/useRevisions";
import { usePlayback } from "../hooks/usePlayback";
import { usePractice } from "../hooks/usePractice";
import { describeInstrument, formatDate, formatDuration, jobTitle } from "../lib/format";
import { CONCERT_PITCH } from "../lib/transpose";
import { notesEnd, type PlayedNote } from "../playback/notes";
import { Alert } from "./Alert";
import { CorrectionsToolbar, undoKeys } from "./CorrectionsToolbar";
import { DownloadButtons } from "./DownloadButtons";
import { PianoRoll } from "./PianoRoll";
import { PlaybackBar } from "./PlaybackBar";
import { PracticeControls } from "./PracticeControls";
import { TransposeSelect } from "./TransposeSelect";

// OSMD is large: loaded only on the job page (see preloadScoreView), never in the main bundle.
const loadScoreView = () => import("./ScoreView");
const ScoreView = lazy(loadScoreView);

/** Starts loading the score viewer while the job and its MusicXML are still being fetched. */
export function preloadScoreView() {
  void loadScoreView();
}

const NO_NOTES: PlayedNote[] = [];
const NO_EDITS: NoteEditIn[] = [];

/**
 * A finished job: what it is, downloads, then playback, the score and the piano roll (or that it has no
 * notes). The key chosen on the score is the key of the score downloads too; the revision shown (the
 * latest made from saved corrections, or the original) is the revision downloaded.
 */
export function JobResult({ job }: { job: JobPublic }) {
  const [transpose, setTranspose] = useState(CONCERT_PITCH);
  const revisions = useRevisions(job.id);
  // until the list is in, the server's default (the latest succeeded revision) is the same file
  const shown = revisions.query.isPending ? undefined : revisions.shown;
  const noteCount = revisions.shownRevision?.note_count ?? job.note_count;
  return (
    <article className="job-result stack">
      <header className="job-header">
        <h1>{jobTitle(job)}</h1>
        <p className="job-meta muted">
          <span>{formatDate(job.created_at)}</span>
          <span>{formatDuration(job.duration_s)}</span>
          {noteCount != null && <span>{noteCount.toLocaleString()} notes</span>}
          <span>{describeInstrument(job)}</span>
        </p>
        <DownloadButtons job={job} transpose={transpose} revision={shown} />
      </header>
      {foundNoNotes(job) ? (
        <NoNotes />
      ) : revisions.query.isPending ? (
        <p className="muted" role="status">
          Loading the score…
        </p>
      ) : (
        <PlayableScore job={job} transpose={transpose} onTranspose={setTranspose} revisions={revisions} />
      )}
    </article>
  );
}

/** Silence, or nothing the model hears as a note: say so rather than draw an empty score. */
function NoNotes() {
  return (
    <section className="panel stack">
      <p>
        <strong>No notes were found in this recording.</strong>
      </p>
      <p className="muted">
        It may be silent, or too quiet or noisy for notes to stand out. <Link to="/">Try another file</Link>
      </p>
    </section>
  );
}

/**
 * Playback of the transcription or the recording, the score and the piano roll, following each other;
 * practice (a loop chosen on the score, count-in, metronome) where the score has a time map. The piano
 * roll shows the original notes with the corrections (those of the revision shown, then the user's) and
 * playback plays them; the score is the revision shown, and follows once a saved revision is made.
 */
function PlayableScore({
  job,
  transpose,
  onTranspose,
  revisions,
}: {
  job: JobPublic;
  transpose: string;
  onTranspose(value: string): void;
  revisions: ReturnType<typeof useRevisions>;
}) {
  const notes = useTranscriptionNotes(job.id, true, 0);
  const { musicXml, timeMap } = useScore(job.id, true, transpose, revisions.shown);
  const corrections = useNoteCorrections(notes.data ?? NO_NOTES, revisions.shownRevision?.edits ?? NO_EDITS);
  const save = useSaveCorrections(job.id);
  const noteList = notes.data ? corrections.notes : NO_NOTES;
  // corrections are made over the saved ones: without the list of revisions they cannot be
  const correcting = Boolean(notes.data) && !revisions.query.isError;
  const duration = Math.max(job.duration_s ?? 0, notesEnd(noteList), 0.1);
  const practice = usePractice(timeMap.data ?? null);
  const playback = usePlayback(job.id, noteList, duration, practice);

  return (
    <>
      {notes.isError ? (
        <Alert>The notes could not be loaded: {notes.error.message}</Alert>
      ) : (
        <PlaybackBar playback={playback} />
      )}

      <section className="panel" aria-labelledby="score-heading">
        <div className="score-heading">
          <h2 id="score-heading">Score</h2>
          {!musicXml.isPending && (!musicXml.isError || transpose !== CONCERT_PITCH) && (
            <TransposeSelect value={transpose} busy={musicXml.isPlaceholderData} onChange={onTranspose} />
          )}
        </div>
        {musicXml.isPending ? (
          <p className="muted" role="status">
            Loading the score…
          </p>
        ) : musicXml.isError && transpose !== CONCERT_PITCH ? (
          <Alert>The score could not be transposed: {musicXml.error.message}</Alert>
        ) : musicXml.isError ? (
          <p className="muted">Sheet music is not available for this transcription; the piano roll shows its notes.</p>
        ) : (
          <Suspense
            fallback={
              <p className="muted" role="status">
                Loading the score viewer…
              </p>
            }
          >
            <ScoreView
              musicXml={musicXml.data}
              timeMap={timeMap.data ?? null}
              clock={playback.clock}
              following={playback.playing}
              loop={practice.loop}
              onSelectMeasures={practice.selectMeasures}
            >
              {timeMap.data && timeMap.data.length > 1 && <PracticeControls practice={practice} />}
            </ScoreView>
          </Suspense>
        )}
      </section>

      <section
        className="panel stack"
        aria-labelledby="roll-heading"
        onKeyDown={correcting ? undoKeys(corrections) : undefined}
      >
        <h2 id="roll-heading">Piano roll</h2>
        {notes.isPending ? (
          <p className="muted" role="status">
            Loading the notes…
          </p>
        ) : (
          <>
            {correcting && (
              <CorrectionsToolbar
                corrections={corrections}
                shown={revisions.shown}
                latest={revisions.latest}
                saving={save.isPending}
                saveError={save.error}
                onSave={() => save.mutate(corrections.edits)}
              />
            )}
            {revisions.query.isError && (
              <Alert>The saved corrections could not be loaded: {revisions.query.error.message}</Alert>
            )}
            <PianoRoll
              notes={noteList}
              duration={duration}
              clock={playback.clock}
              following={playback.playing}
              onSeek={playback.seek}
              editing={
                correcting
                  ? {
                      selected: corrections.selected,
                      onSelect: corrections.select,
                      onChange: corrections.change,
                      onDelete: corrections.remove,
                      onAdd: corrections.add,
                    }
                  : undefined
              }
            />
          </>
        )}
      </section>
    </>
  );
}
