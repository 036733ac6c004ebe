import { type ModelPublic, ModelStatus } from "../api/types";
import { formatDate, formatParameters, formatScore, INSTRUMENT_LABEL } from "../lib/format";
import { type Column, TableHead } from "./TableHead";

const COLUMNS: Column[] = [
  { label: "Version" },
  { label: "Instrument" },
  { label: "Status" },
  { label: "Note F1", numeric: true },
  { label: "With offsets", numeric: true },
  { label: "Frame F1", numeric: true },
  { label: "Parameters", numeric: true },
  { label: "Trained on", numeric: true },
  { label: "Registered" },
  { label: "Serving since" },
  { label: "Actions", hidden: true },
];

const BADGE: Record<ModelStatus, string> = {
  active: "badge badge-succeeded",
  candidate: "badge badge-queued",
  retired: "badge badge-neutral",
};

/** The model registry: what each model is for and scored on the test split; any but a serving one can be promoted
 * (it then serves its instrument in place of that instrument's active model). */
export function ModelsTable({
  models,
  busy,
  onPromote,
}: {
  models: ModelPublic[];
  busy: boolean;
  onPromote(model: ModelPublic): void;
}) {
  return (
    <div className="table-scroll">
      <table className="admin-table">
        <TableHead columns={COLUMNS} />
        <tbody>
          {models.map((model) => {
            const all = model.metrics.all ?? {};
            const hours = model.data.train?.hours;
            return (
              <tr key={model.version} data-status={model.status}>
                <th scope="row">{model.version}</th>
                <td>{INSTRUMENT_LABEL[model.instrument] ?? model.instrument}</td>
                <td>
                  <span className={BADGE[model.status] ?? "badge badge-neutral"}>{model.status}</span>
                </td>
                <td className="num">{formatScore(all.note_f1)}</td>
                <td className="num">{formatScore(all.note_offset_f1)}</td>
                <td className="num">{formatScore(all.frame_f1)}</td>
                <td className="num">{formatParameters(model.parameters)}</td>
                <td className="num" title={typeof model.data.corpus === "string" ? model.data.corpus : undefined}>
                  {hours == null ? "–" : `${hours.toFixed(1)} h`}
                </td>
                <td>
                  <time dateTime={model.created_at}>{formatDate(model.created_at)}</time>
                </td>
                <td>{model.status === ModelStatus.active ? formatDate(model.activated_at) : "–"}</td>
                <td>
                  {model.status !== ModelStatus.active && (
                    <button
                      type="button"
                      className="button-secondary small"
                      disabled={busy}
                      onClick={() => onPromote(model)}
                      aria-label={`Promote ${model.version}`}
                    >
                      Promote
                    </button>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
