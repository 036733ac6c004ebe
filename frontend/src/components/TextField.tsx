import type { InputHTMLAttributes, ReactNode } from "react";

type Props = { id: string; label: ReactNode; hint?: ReactNode } & InputHTMLAttributes<HTMLInputElement>;

/** A labelled input, with an optional hint that a screen reader reads with it. */
export function TextField({ id, label, hint, ...input }: Props) {
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input id={id} aria-describedby={hint ? `${id}-hint` : undefined} {...input} />
      {hint && (
        <p id={`${id}-hint`} className="hint">
          {hint}
        </p>
      )}
    </div>
  );
}
