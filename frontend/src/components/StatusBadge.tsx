import type { JobPublic } from "../api/types";

const LABELS: Record<JobPublic["status"], string> = {
  queued: "Queued",
  running: "Running",
  succeeded: "Ready",
  failed: "Failed",
};

export function StatusBadge({ status }: { status: JobPublic["status"] }) {
  return <span className={`badge badge-${status}`}>{LABELS[status]}</span>;
}
