import { useId, useState } from "react";
import type { ModelsOverview } from "../../../../src/contracts/index.js";
import { Field } from "../../components/Field.js";
import type { ModelForm } from "./form-state.js";

interface ModelFieldsProps {
  value: ModelForm;
  onChange: (value: ModelForm) => void;
  issues: Record<string, string>;
  /** Null while loading or when the models list is unavailable: a typed model still works. */
  models: ModelsOverview | null;
}

const OTHER = "__other__";

export function ModelFields({ value, onChange, issues, models }: ModelFieldsProps) {
  const id = useId();
  const local = models?.local ?? [];
  const isKnown = value.model === "" || local.some((model) => model.name === value.model);
  const [typing, setTyping] = useState(!isKnown);
  const set = (change: Partial<ModelForm>) => onChange({ ...value, ...change });
  const selected = typing || !isKnown ? OTHER : value.model;

  return (
    <fieldset className="group">
      <legend>Model settings</legend>
      <p className="group-intro">Which AI model answers, and how. The defaults suit most agents.</p>
      <div className="field">
        <label htmlFor={id}>Model</label>
        <select
          id={id}
          value={selected}
          onChange={(event) => {
            const choice = event.target.value;
            setTyping(choice === OTHER);
            set({ model: choice === OTHER ? (isKnown ? "" : value.model) : choice });
          }}
        >
          <option value="">Instance default{models ? ` (${models.model})` : ""}</option>
          {local.map((model) => (
            <option key={model.name} value={model.name}>
              {model.name}
            </option>
          ))}
          <option value={OTHER}>Another model (type its name)…</option>
        </select>
      </div>
      {selected === OTHER && (
        <Field label="Model name, hf: URI or file path" value={value.model} onChange={(v) => set({ model: v })} max={500}
          error={issues["model.model"]} placeholder="hf:bartowski/Llama-3.2-1B-Instruct-GGUF:Q4_K_M"
          help="Download models on the Models page first; an unknown model makes chats fail." />
      )}
      {selected !== OTHER && issues["model.model"] && <p className="field-error">{issues["model.model"]}</p>}
      <div className="field-grid">
        <Field label="Temperature" type="number" inputMode="decimal" numeric={{ min: 0, max: 2, step: 0.1 }} value={value.temperature}
          onChange={(v) => set({ temperature: v })} error={issues["model.temperature"]} help="0 = focused, 2 = very creative. Default 0.8." />
        <Field label="Top-p" type="number" inputMode="decimal" numeric={{ min: 0.01, max: 1, step: 0.05 }} value={value.topP}
          onChange={(v) => set({ topP: v })} error={issues["model.topP"]} placeholder="Model default" help="Between 0 and 1. Leave empty for the default." />
        <Field label="Maximum reply length (tokens)" type="number" inputMode="numeric" numeric={{ min: 1, max: 32768, step: 1 }}
          value={value.maxTokens} onChange={(v) => set({ maxTokens: v })} error={issues["model.maxTokens"]} help="1 to 32768. Default 512." />
        <Field label="Seed" type="number" inputMode="numeric" numeric={{ min: 0, step: 1 }} value={value.seed} onChange={(v) => set({ seed: v })}
          error={issues["model.seed"]} placeholder="Random" help="Same seed, same question: same answer. Leave empty for variety." />
      </div>
    </fieldset>
  );
}
