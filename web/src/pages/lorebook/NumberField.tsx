import { useState } from "react";
import { Field } from "../../components/Field.js";

interface NumberFieldProps {
  label: string;
  value: number;
  onChange: (value: number) => void;
  min: number;
  max: number;
  help?: string;
  error?: string | undefined;
}

/**
 * A whole-number input that keeps what is typed (an empty box while retyping) and reports only
 * valid numbers; out-of-range text gets a note instead of silently snapping.
 */
export function NumberField({ label, value, onChange, min, max, help, error }: NumberFieldProps) {
  const [text, setText] = useState(String(value));
  const [shown, setShown] = useState(value);
  // A new value from outside (a reload, a discard) replaces what was typed.
  if (shown !== value && Number(text) !== value) {
    setShown(value);
    setText(String(value));
  }
  const parsed = Number(text);
  const valid = text.trim() !== "" && Number.isInteger(parsed) && parsed >= min && parsed <= max;
  return (
    <Field
      label={label}
      type="number"
      inputMode="numeric"
      numeric={{ min, max, step: 1 }}
      value={text}
      help={help}
      error={error ?? (valid ? undefined : `Use a whole number from ${min} to ${max}.`)}
      onChange={(next) => {
        setText(next);
        const number = Number(next);
        if (next.trim() !== "" && Number.isInteger(number) && number >= min && number <= max) {
          setShown(number);
          onChange(number);
        }
      }}
    />
  );
}
