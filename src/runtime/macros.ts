import type { AgentProfile } from "../contracts/index.js";

/** Who {{char}} and {{user}} stand for in one conversation. */
export interface MacroNames {
  /** The agent's name. */
  char: string;
  /** The person's remembered name, or null when the agent does not know it. */
  user: string | null;
}

const CHAR = /\{\{\s*char\s*\}\}|<BOT>/gi;
const USER_PATTERN = String.raw`\{\{\s*user\s*\}\}|<USER>`;
const USER = new RegExp(USER_PATTERN, "gi");
const MENTIONS_USER = new RegExp(USER_PATTERN, "i");

/**
 * Character cards write {{char}} and {{user}} (older ones <BOT> and <USER>) for the two speakers.
 * Without a name for the person, text about them reads "the user"; text said to them ("Welcome,
 * {{user}}!") reads "you" (`addressed`).
 */
export function expandMacros(text: string, names: MacroNames, options: { addressed?: boolean } = {}): string {
  if (!text.includes("{{") && !text.includes("<")) return text;
  const user = names.user ?? (options.addressed ? "you" : "the user");
  return text.replace(CHAR, () => names.char).replace(USER, () => user);
}

/** Whether the text names the person ({{user}}, <USER>): only then is their name worth looking up. */
export function mentionsUser(text: string): boolean {
  return MENTIONS_USER.test(text);
}

/** The profile with its macros expanded wherever it talks about the speakers. */
export function withMacros<T extends AgentProfile>(profile: T, names: MacroNames): T {
  const expand = (text: string) => expandMacros(text, names);
  return {
    ...profile,
    tagline: expand(profile.tagline),
    description: expand(profile.description),
    personality: expand(profile.personality),
    scenario: expand(profile.scenario),
    tone: expand(profile.tone),
    instructions: expand(profile.instructions),
    postHistoryInstructions: expand(profile.postHistoryInstructions),
    greetings: profile.greetings.map((greeting) => expandMacros(greeting, names, { addressed: true })),
    exampleDialogues: profile.exampleDialogues.map((example) => ({ user: expand(example.user), agent: expand(example.agent) })),
  };
}
