import { Link } from "react-router";
import type { JobPublic } from "../api/types";
import { describeInstrument, formatDate, formatDuration, jobTitle } from "../lib/format";
import { StatusBadge } from "./StatusBadge";

/** The user's transcriptions, one row each: open by its title, delete by its button. */
export function HistoryList({ jobs, onDelete }: { jobs: JobPublic[]; onDelete(job: JobPublic): void }) {
  return (
    <ul className="history-list">
      {jobs.map((job) => (
        <li key={job.id} className="history-item">
          <div className="history-main">
            <Link to={`/jobs/${job.id}`} className="history-title">
              {jobTitle(job)}
            </Link>
            {job.title && job.title.trim() !== job.filename && (
              <span className="muted history-file">{job.filename}</span>
            )}
          </div>
          <dl className="history-meta">
            <div>
              <dt>Date</dt>
              <dd>
                <time dateTime={job.created_at}>{formatDate(job.created_at)}</time>
              </dd>
            </div>
            <div>
              <dt>Duration</dt>
              <dd>{formatDuration(job.duration_s)}</dd>
            </div>
            <div>
              <dt>Instrument</dt>
              <dd>{describeInstrument(job)}</dd>
            </div>
            <div>
              <dt>Status</dt>
              <dd>
                <StatusBadge status={job.status} />
              </dd>
            </div>
          </dl>
          <button
            type="button"
            className="button-link danger"
            onClick={() => onDelete(job)}
            aria-label={`Delete “${jobTitle(job)}”`}
          >
            Delete
          </button>
        </li>
      ))}
    </ul>
  );
}
