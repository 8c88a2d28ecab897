import type { AgentPatchInput } from "../../../../src/client/index.js";
import type { AgentProfileInput, ExampleDialogue } from "../../../../src/contracts/index.js";

/** What the editor's inputs hold: text as typed (numbers too), lists as arrays, nothing defaulted. */
export interface AgentForm {
  name: string;
  handle: string;
  tagline: string;
  avatar: string;
  description: string;
  personality: string;
  scenario: string;
  traits: string[];
  interests: string[];
  tone: string;
  instructions: string;
  postHistoryInstructions: string;
  greetings: string[];
  exampleDialogues: ExampleDialogue[];
  avoidTopics: string[];
  model: ModelForm;
}

export interface ModelForm {
  /** "" means the instance default. */
  model: string;
  temperature: string;
  topP: string;
  maxTokens: string;
  seed: string;
}

const TEXT_FIELDS = [
  "name", "handle", "tagline", "avatar", "description", "personality", "scenario", "tone", "instructions", "postHistoryInstructions",
] as const;
const LIST_FIELDS = ["traits", "interests", "greetings", "avoidTopics"] as const;

export function formFromProfile(profile: AgentProfileInput): AgentForm {
  const model = profile.model;
  return {
    name: profile.name,
    handle: profile.handle ?? "",
    tagline: profile.tagline ?? "",
    avatar: profile.avatar ?? "",
    description: profile.description ?? "",
    personality: profile.personality ?? "",
    scenario: profile.scenario ?? "",
    traits: [...(profile.traits ?? [])],
    interests: [...(profile.interests ?? [])],
    tone: profile.tone ?? "",
    instructions: profile.instructions ?? "",
    postHistoryInstructions: profile.postHistoryInstructions ?? "",
    greetings: [...(profile.greetings ?? [])],
    exampleDialogues: (profile.exampleDialogues ?? []).map((dialogue) => ({ ...dialogue })),
    avoidTopics: [...(profile.avoidTopics ?? [])],
    model: {
      model: model?.model ?? "",
      temperature: String(model?.temperature ?? 0.8),
      topP: model?.topP === undefined ? "" : String(model.topP),
      maxTokens: String(model?.maxTokens ?? 512),
      seed: model?.seed === undefined ? "" : String(model.seed),
    },
  };
}

/** A whole profile for creating an agent; blank optional text stays out so the server derives it. */
export function profileFromForm(form: AgentForm): AgentProfileInput {
  const model = modelSettings(form.model);
  return {
    name: form.name,
    ...(form.handle.trim() ? { handle: form.handle } : {}),
    tagline: form.tagline,
    avatar: form.avatar,
    description: form.description,
    personality: form.personality,
    scenario: form.scenario,
    traits: form.traits,
    interests: form.interests,
    tone: form.tone,
    instructions: form.instructions,
    postHistoryInstructions: form.postHistoryInstructions,
    greetings: cleanList(form.greetings),
    exampleDialogues: form.exampleDialogues,
    avoidTopics: form.avoidTopics,
    model: { temperature: model.temperature ?? 0.8, maxTokens: model.maxTokens ?? 512, ...model },
  };
}

/** Only what changed since `saved`, so a save never overwrites fields the owner did not touch. */
export function patchFromForm(form: AgentForm, saved: AgentForm): AgentPatchInput {
  const patch: Record<string, unknown> = {};
  for (const key of TEXT_FIELDS) if (form[key] !== saved[key]) patch[key] = form[key];
  for (const key of LIST_FIELDS) {
    const list = key === "greetings" ? cleanList(form[key]) : form[key];
    if (!sameJson(list, saved[key])) patch[key] = list;
  }
  if (!sameJson(form.exampleDialogues, saved.exampleDialogues)) patch.exampleDialogues = form.exampleDialogues;
  const model = modelSettings(form.model);
  const before = modelSettings(saved.model);
  const modelPatch: Record<string, unknown> = {};
  for (const key of Object.keys(model) as (keyof typeof model)[]) if (model[key] !== before[key]) modelPatch[key] = model[key];
  // null unsets: the agent goes back to the instance's model, or the engine's top-p and seed.
  for (const key of CLEARABLE) if (model[key] === undefined && before[key] !== undefined) modelPatch[key] = null;
  if (Object.keys(modelPatch).length) patch.model = modelPatch;
  return patch as AgentPatchInput;
}

/** Optional model settings: blank means "use the default", which a patch says with null. */
const CLEARABLE = ["model", "topP", "seed"] as const;

/** Settings the owner left blank are not sent; temperature and reply length always need a value. */
function modelSettings(form: ModelForm): { model?: string; temperature?: number; topP?: number; maxTokens?: number; seed?: number } {
  return {
    ...(form.model.trim() ? { model: form.model.trim() } : {}),
    ...numberEntry("temperature", form.temperature),
    ...numberEntry("topP", form.topP),
    ...numberEntry("maxTokens", form.maxTokens),
    ...numberEntry("seed", form.seed),
  };
}

export function clearedModelSettings(form: ModelForm, saved: ModelForm): string[] {
  const labels = { temperature: "temperature", maxTokens: "maximum reply length" } as const;
  return (Object.keys(labels) as (keyof typeof labels)[])
    .filter((key) => form[key].trim() === "" && saved[key].trim() !== "")
    .map((key) => labels[key]);
}

function numberEntry<K extends string>(key: K, text: string): Partial<Record<K, number>> {
  if (text.trim() === "") return {};
  // An unparsable number is sent as NaN so the schema's message lands next to its field.
  return { [key]: Number(text) } as Partial<Record<K, number>>;
}

/** Empty greeting boxes are leftovers of "Add greeting", not content. */
function cleanList(values: string[]): string[] {
  return values.filter((value) => value.trim() !== "");
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

export function isDirty(form: AgentForm, saved: AgentForm): boolean {
  return !sameJson(form, saved);
}
