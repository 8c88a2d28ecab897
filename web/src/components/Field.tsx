import { useId, type ChangeEvent, type InputHTMLAttributes, type ReactNode } from "react";

interface FieldProps {
  label: string;
  value: string;
  onChange: (value: string) => void;
  help?: ReactNode;
  error?: string | undefined;
  /** The schema's maximum length: shown as a counter and enforced by the input. */
  max?: number;
  multiline?: boolean;
  rows?: number;
  placeholder?: string;
  required?: boolean;
  type?: InputHTMLAttributes<HTMLInputElement>["type"];
  inputMode?: InputHTMLAttributes<HTMLInputElement>["inputMode"];
  autoComplete?: string;
  /** Number inputs: bounds and step. */
  numeric?: { min?: number; max?: number; step?: number | "any" };
}

/** A labelled input or textarea with help text, a character counter and its validation message. */
export function Field(props: FieldProps) {
  const { label, value, onChange, help, error, max, multiline, rows = 3, placeholder, required, type = "text" } = props;
  const id = useId();
  const helpId = `${id}-help`;
  const errorId = `${id}-error`;
  const describedBy = [help ? helpId : "", error ? errorId : ""].filter(Boolean).join(" ") || undefined;
  const common = {
    id,
    value,
    placeholder,
    required,
    maxLength: max,
    "aria-invalid": error ? true : undefined,
    "aria-describedby": describedBy,
    onChange: (event: ChangeEvent<HTMLInputElement | HTMLTextAreaElement>) => onChange(event.target.value),
  };
  return (
    <div className="field">
      <label htmlFor={id}>
        {label}
        {required && <span aria-hidden="true"> *</span>}
      </label>
      {multiline ? (
        <textarea {...common} rows={rows} />
      ) : (
        <input
          {...common}
          type={type}
          inputMode={props.inputMode}
          autoComplete={props.autoComplete}
          min={props.numeric?.min}
          max={props.numeric?.max}
          step={props.numeric?.step}
        />
      )}
      {error && (
        <p className="field-error" id={errorId}>
          {error}
        </p>
      )}
      {(help || max !== undefined) && (
        <div className="field-meta">
          {help && (
            <p className="field-help" id={helpId}>
              {help}
            </p>
          )}
          {max !== undefined && <Counter length={value.length} max={max} />}
        </div>
      )}
    </div>
  );
}

/** "12 / 160"; highlighted near the limit. Hidden from screen readers, which hear maxLength instead. */
export function Counter({ length, max, unit }: { length: number; max: number; unit?: string }) {
  const near = length >= max * 0.9;
  return (
    <span className={near ? "counter counter-near" : "counter"} aria-hidden="true">
      {length} / {max}
      {unit ? ` ${unit}` : ""}
    </span>
  );
}
