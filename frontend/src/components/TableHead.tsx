/** A column of a data table: numbers are right-aligned; a hidden label is for screen readers only. */
export interface Column {
  label: string;
  numeric?: boolean;
  hidden?: boolean;
}

export function TableHead({ columns }: { columns: Column[] }) {
  return (
    <thead>
      <tr>
        {columns.map(({ label, numeric, hidden }) => (
          <th key={label} scope="col" className={numeric ? "num" : undefined}>
            {hidden ? <span className="visually-hidden">{label}</span> : label}
          </th>
        ))}
      </tr>
    </thead>
  );
}
