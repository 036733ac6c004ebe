import { Link } from "react-router";
import { type JobPublic, JobStage, JobStatus } from "../api/types";
import { describeInstrument, jobTitle } from "../lib/format";
import { Alert } from "./Alert";
import { ProgressBar } from "./ProgressBar";

const STEPS: { stage: JobStage; label: string }[] = [
  { stage: JobStage.queued, label: "Waiting in the queue" },
  { stage: JobStage.decoding, label: "Reading the audio" },
  { stage: JobStage.transcribing, label: "Finding the notes" },
  { stage: JobStage.notation, label: "Writing the score" },
];

export function stageLabel(stage: JobStage): string {
  if (stage === JobStage.done) return "Done";
  if (stage === JobStage.failed) return "Failed";
  return STEPS.find((step) => step.stage === stage)?.label ?? stage;
}

/** Where an unfinished job is (stage and progress); a failed job's reason and a way on. */
export function JobProgress({ job }: { job: JobPublic }) {
  if (job.status === JobStatus.failed) {
    return (
      <section className="job-status stack" aria-labelledby="job-status-title">
        <h1 id="job-status-title">{jobTitle(job)}</h1>
        <Alert>
          <strong>The transcription failed.</strong> {job.error || "No reason was given."}
        </Alert>
        <p>
          <Link to="/" className="button-primary">
            Try another file
          </Link>
        </p>
      </section>
    );
  }

  const current = Math.max(
    0,
    STEPS.findIndex((step) => step.stage === job.stage),
  );
  return (
    <section className="job-status stack" aria-labelledby="job-status-title">
      <h1 id="job-status-title">{jobTitle(job)}</h1>
      <p className="muted">Instrument: {describeInstrument(job)}</p>
      <p className="job-stage" role="status" aria-live="polite">
        {stageLabel(job.stage)}…
      </p>
      <ProgressBar value={job.progress} label="Transcription progress" />
      <ol className="steps">
        {STEPS.map((step, i) => (
          <li
            key={step.stage}
            className={i < current ? "is-done" : i === current ? "is-current" : undefined}
            aria-current={i === current ? "step" : undefined}
          >
            {step.label}
          </li>
        ))}
      </ol>
      <p className="muted">You can leave this page: the job keeps running and waits for you in your history.</p>
    </section>
  );
}
