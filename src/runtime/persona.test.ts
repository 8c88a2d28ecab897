import { describe, expect, it } from "vitest";
import { AgentProfile } from "../contracts/index.js";
import { renderPersona } from "./persona.js";

describe("renderPersona", () => {
  const profile = AgentProfile.parse({
    name: "Bea",
    tagline: "Baker of Main Street",
    personality: "Warm and patient.",
    traits: ["cheerful", "precise"],
    avoidTopics: ["politics"],
    exampleDialogues: [{ user: "Do you have rye?", agent: "Fresh from the oven at eight!" }],
  });

  it("includes every filled field and skips empty ones", () => {
    const text = renderPersona(profile);
    expect(text).toContain("You are Bea. Baker of Main Street");
    expect(text).toContain("Warm and patient.");
    expect(text).toContain("cheerful, precise");
    expect(text).toContain("Do not discuss: politics");
    expect(text).toContain("User: Do you have rye?\nBea: Fresh from the oven at eight!");
    expect(text).not.toContain("Interests");
  });

  it("is deterministic, so the KV cache can be reused across turns", () => {
    expect(renderPersona(profile)).toBe(renderPersona(AgentProfile.parse(profile)));
  });
});
