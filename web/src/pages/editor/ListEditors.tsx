import type { ExampleDialogue } from "../../../../src/contracts/index.js";
import { Button } from "../../components/Button.js";
import { Field } from "../../components/Field.js";

/** Mirrors src/contracts/agent.ts. */
const MAX_GREETINGS = 30;
const MAX_DIALOGUES = 50;

interface ListProps<T> {
  values: T[];
  onChange: (values: T[]) => void;
  issues: Record<string, string>;
}

/** The opening message, then alternatives (a character card's alternate greetings). */
export function GreetingsEditor({ values, onChange, issues }: ListProps<string>) {
  const set = (index: number, value: string) => onChange(values.map((old, i) => (i === index ? value : old)));
  return (
    <div className="field">
      <span className="field-label">Greetings</span>
      <p className="field-help muted">
        The first is the opening message people see. Any others are alternative openings, kept for character cards and
        offered where a client lets people pick one.
      </p>
      {values.map((greeting, index) => (
        <div className="repeat-item" key={index}>
          <Field label={greetingLabel(index)} multiline rows={2} value={greeting} onChange={(v) => set(index, v)} max={8000}
            error={issues[`greetings.${index}`]} placeholder="Hi there! What can I bake for you today?" />
          <p>
            <Button small variant="ghost" onClick={() => onChange(values.filter((_, i) => i !== index))}>
              Remove greeting {index + 1}
            </Button>
          </p>
        </div>
      ))}
      <div className="button-row">
        <Button small onClick={() => onChange([...values, ""])} disabled={values.length >= MAX_GREETINGS}>
          Add greeting
        </Button>
        <span className="muted">
          {values.length} / {MAX_GREETINGS}
        </span>
      </div>
    </div>
  );
}

/** Sample exchanges that show the agent's voice better than any description. */
export function DialoguesEditor({ values, onChange, issues }: ListProps<ExampleDialogue>) {
  const set = (index: number, change: Partial<ExampleDialogue>) =>
    onChange(values.map((old, i) => (i === index ? { ...old, ...change } : old)));
  return (
    <div className="field">
      <span className="field-label">Example dialogues</span>
      <p className="field-help muted">Show how it answers: a question someone might ask, and the reply you would love to see.</p>
      {values.map((dialogue, index) => (
        <div className="repeat-item" key={index}>
          <Field label={`Example ${index + 1}: someone says`} multiline rows={2} value={dialogue.user} onChange={(v) => set(index, { user: v })}
            max={8000} error={issues[`exampleDialogues.${index}.user`]} placeholder="Do you have gluten-free bread?" />
          <Field label={`Example ${index + 1}: the agent replies`} multiline rows={2} value={dialogue.agent}
            onChange={(v) => set(index, { agent: v })} max={8000} error={issues[`exampleDialogues.${index}.agent`]}
            placeholder="We do! Our buckwheat loaf comes out of the oven every Tuesday and Friday." />
          <p>
            <Button small variant="ghost" onClick={() => onChange(values.filter((_, i) => i !== index))}>
              Remove example {index + 1}
            </Button>
          </p>
        </div>
      ))}
      <div className="button-row">
        <Button small onClick={() => onChange([...values, { user: "", agent: "" }])} disabled={values.length >= MAX_DIALOGUES}>
          Add example dialogue
        </Button>
        <span className="muted">
          {values.length} / {MAX_DIALOGUES}
        </span>
      </div>
    </div>
  );
}

function greetingLabel(index: number): string {
  return index === 0 ? "Greeting 1 (the opening message)" : `Greeting ${index + 1} (an alternative)`;
}
