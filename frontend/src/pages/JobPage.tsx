import { useEffect } from "react";
import { Link, useParams } from "react-router";
import { ApiError } from "../api/client";
import { JobStatus } from "../api/types";
import { Alert } from "../components/Alert";
import { JobResult, preloadScoreView } from "../components/JobResult";
import { JobProgress } from "../components/JobProgress";
import { useJob } from "../hooks/useJob";

export function JobPage() {
  const { id } = useParams();
  const job = useJob(id);
  useEffect(preloadScoreView, []);

  if (job.isPending) {
    return (
      <p className="page page-loading" role="status">
        Loading the transcription…
      </p>
    );
  }
  if (job.isError) {
    const notFound = job.error instanceof ApiError && (job.error.status === 404 || job.error.status === 422);
    return (
      <div className="page narrow stack">
        <h1>{notFound ? "Transcription not found" : "Something went wrong"}</h1>
        <Alert>{notFound ? "This transcription does not exist, or it is not yours." : job.error.message}</Alert>
        <p>
          <Link to="/history">Back to your history</Link> · <Link to="/">Upload a recording</Link>
        </p>
      </div>
    );
  }
  return (
    <div className={job.data.status === JobStatus.succeeded ? "page" : "page narrow"}>
      {job.data.status === JobStatus.succeeded ? <JobResult job={job.data} /> : <JobProgress job={job.data} />}
    </div>
  );
}
