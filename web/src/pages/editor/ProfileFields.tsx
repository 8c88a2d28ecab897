import type { ReactNode } from "react";
import { Field } from "../../components/Field.js";
import { TagInput } from "../../components/TagInput.js";
import type { AgentForm } from "./form-state.js";
import { DialoguesEditor, GreetingsEditor } from "./ListEditors.js";

export interface SectionProps {
  form: AgentForm;
  update: <K extends keyof AgentForm>(key: K, value: AgentForm[K]) => void;
  issues: Record<string, string>;
}

/** Limits mirror src/contracts/agent.ts (AgentProfile); the server enforces the same ones. */
/** `avatarUpload`: the picture upload beside the URL field (only for an agent that exists). */
export function IdentityFields({ form, update, issues, avatarUpload }: SectionProps & { avatarUpload?: ReactNode }) {
  return (
    <fieldset className="group">
      <legend>Who it is</legend>
      <Field label="Name" value={form.name} onChange={(v) => update("name", v)} max={80} required error={issues.name}
        placeholder="e.g. Rosie the Baker" />
      <div className="field-grid">
        <Field label="Handle" value={form.handle} onChange={(v) => update("handle", v.toLowerCase())} max={40} error={issues.handle}
          placeholder="rosie-the-baker" help="Used in links. Lowercase letters, digits and dashes; made from the name if left empty." />
        <Field label="Avatar image URL" type="url" value={form.avatar} onChange={(v) => update("avatar", v)} max={2000}
          error={issues.avatar} placeholder="https://example.com/rosie.png" help="A square picture works best." />
      </div>
      {avatarUpload}
      <Field label="Tagline" value={form.tagline} onChange={(v) => update("tagline", v)} max={160} error={issues.tagline}
        placeholder="Fresh bread, friendly answers" help="One line shown under the name." />
      <Field label="Description" multiline value={form.description} onChange={(v) => update("description", v)} max={16000}
        error={issues.description} placeholder="Who is this agent, and who is it for?" />
    </fieldset>
  );
}

export function PersonaFields({ form, update, issues }: SectionProps) {
  return (
    <fieldset className="group">
      <legend>Personality</legend>
      <Field label="Personality" multiline rows={4} value={form.personality} onChange={(v) => update("personality", v)} max={8000}
        error={issues.personality} placeholder="Warm and patient, loves a good pun, never in a hurry." />
      <TagInput label="Traits" itemName="trait" values={form.traits} onChange={(v) => update("traits", v)} maxItems={30} maxLength={60}
        placeholder="e.g. cheerful" help="A few words that describe it." error={firstIssue(issues, "traits")} />
      <TagInput label="Interests" itemName="interest" values={form.interests} onChange={(v) => update("interests", v)} maxItems={30}
        maxLength={80} placeholder="e.g. sourdough" help="Things it likes to talk about." error={firstIssue(issues, "interests")} />
      <Field label="Tone of voice" multiline rows={2} value={form.tone} onChange={(v) => update("tone", v)} max={2000} error={issues.tone}
        placeholder="Casual and upbeat, short sentences, the odd emoji." />
      <Field label="Scenario" multiline rows={3} value={form.scenario} onChange={(v) => update("scenario", v)} max={8000}
        error={issues.scenario} help="The situation conversations start in: where you are, what is going on."
        placeholder="A rainy Saturday morning at the bakery; the first loaves are just out of the oven." />
    </fieldset>
  );
}

export function BehaviourFields({ form, update, issues }: SectionProps) {
  return (
    <fieldset className="group">
      <legend>How it behaves</legend>
      <Field label="Instructions" multiline rows={6} value={form.instructions} onChange={(v) => update("instructions", v)} max={16000}
        error={issues.instructions} help="What it should do, and what it must never do. Write it like a note to a new colleague."
        placeholder="Answer questions about the bakery's opening hours and cakes. If you are not sure, say so." />
      <Field label="Said before each reply" multiline rows={2} value={form.postHistoryInstructions}
        onChange={(v) => update("postHistoryInstructions", v)} max={4000} error={issues.postHistoryInstructions}
        help="A short reminder placed after the conversation, right before it answers: it weighs more than the instructions above."
        placeholder="Stay in character and keep replies under three sentences." />
      <GreetingsEditor values={form.greetings} onChange={(v) => update("greetings", v)} issues={issues} />
      <DialoguesEditor values={form.exampleDialogues} onChange={(v) => update("exampleDialogues", v)} issues={issues} />
      <TagInput label="Topics to avoid" itemName="topic" values={form.avoidTopics} onChange={(v) => update("avoidTopics", v)}
        maxItems={50} maxLength={200} placeholder="e.g. politics" help="It will politely steer away from these."
        error={firstIssue(issues, "avoidTopics")} />
    </fieldset>
  );
}

/** The first issue at `prefix` or inside it ("traits.3"). */
export function firstIssue(issues: Record<string, string>, prefix: string): string | undefined {
  const key = Object.keys(issues).find((path) => path === prefix || path.startsWith(`${prefix}.`));
  return key === undefined ? undefined : issues[key];
}
