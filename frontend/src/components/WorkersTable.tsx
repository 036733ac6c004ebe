import type { WorkerPublic, WorkersPublic } from "../api/types";
import { formatDate } from "../lib/format";
import { type Column, TableHead } from "./TableHead";

const COLUMNS: Column[] = [{ label: "Worker" }, { label: "Runs" }, { label: "Model" }, { label: "Last seen" }];

const ROLES: { key: keyof WorkersPublic; label: string }[] = [
  { key: "workers", label: "transcriptions" },
  { key: "trainers", label: "training runs" },
];

/** The processes that reported lately: transcription workers (with the model each serves) and trainers. */
export function WorkersTable({ workers }: { workers: WorkersPublic }) {
  const rows: { worker: WorkerPublic; role: string }[] = ROLES.flatMap(({ key, label }) =>
    workers[key].map((worker) => ({ worker, role: label })),
  );
  return (
    <div className="table-scroll">
      <table className="admin-table">
        <TableHead columns={COLUMNS} />
        <tbody>
          {rows.map(({ worker, role }) => (
            <tr key={`${role} ${worker.name}`}>
              <th scope="row">{worker.name}</th>
              <td>{role}</td>
              <td>
                {worker.model_version ?? "–"}
                {worker.model_error && <p className="run-error">{worker.model_error}</p>}
              </td>
              <td>
                <time dateTime={worker.seen_at}>{formatDate(worker.seen_at)}</time>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
