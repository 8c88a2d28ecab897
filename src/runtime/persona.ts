import type { AgentProfile } from "../contracts/index.js";

/**
 * Renders the agent's profile as its system prompt. Deterministic and free of timestamps: an
 * unchanged profile must yield the same tokens every turn, or the engine's KV cache cannot be reused.
 */
export function renderPersona(profile: AgentProfile): string {
  const name = profile.name;
  const sections: string[] = [`You are ${name}.${profile.tagline ? ` ${profile.tagline}` : ""}`];
  const add = (title: string, body: string) => {
    if (body.trim()) sections.push(`${title}:\n${body.trim()}`);
  };
  add("About you", profile.description);
  add("Personality", profile.personality);
  add("Scenario", profile.scenario);
  if (profile.traits.length) add("Traits", profile.traits.join(", "));
  if (profile.interests.length) add("Interests", profile.interests.join(", "));
  add("Tone and style", profile.tone);
  add("Instructions", profile.instructions);
  if (profile.avoidTopics.length) {
    add(
      "Topics to avoid",
      `Do not discuss: ${profile.avoidTopics.join("; ")}. If asked, decline politely and steer the conversation elsewhere.`,
    );
  }
  if (profile.exampleDialogues.length) {
    const examples = profile.exampleDialogues
      .map((example) => `User: ${example.user}\n${name}: ${example.agent}`)
      .join("\n\n");
    add(`Examples of how ${name} talks`, examples);
  }
  sections.push(`Stay in character as ${name}. Never claim to be anyone else.`);
  return sections.join("\n\n");
}
