import { describe, expect, it } from "vitest";
import { AgentProfile } from "../contracts/index.js";
import { expandMacros, mentionsUser, withMacros } from "./macros.js";
import { renderPersona } from "./persona.js";

describe("expandMacros", () => {
  it("replaces {{char}} and {{user}} in any case, and the older <BOT>/<USER>", () => {
    const names = { char: "Bea", user: "Sam" };
    expect(expandMacros("{{char}} greets {{user}}. {{Char}} and {{USER}}; <BOT> and <USER>; {{ char }}", names))
      .toBe("Bea greets Sam. Bea and Sam; Bea and Sam; Bea");
  });

  it("without a name says \"the user\", or \"you\" in what is said to them", () => {
    expect(expandMacros("{{user}} is hungry", { char: "Bea", user: null })).toBe("the user is hungry");
    expect(expandMacros("Welcome, {{user}}!", { char: "Bea", user: null }, { addressed: true })).toBe("Welcome, you!");
  });

  it("leaves names with macro-like text alone", () => {
    expect(expandMacros("{{user}}", { char: "Bea", user: "{{char}}" })).toBe("{{char}}");
  });
});

describe("withMacros", () => {
  it("expands the persona, scenario, greetings and example dialogues", () => {
    const profile = AgentProfile.parse({
      name: "Bea",
      description: "{{char}} bakes for {{user}}.",
      scenario: "{{user}} walks into {{char}}'s bakery.",
      greetings: ["Hello {{user}}, I am {{char}}."],
      exampleDialogues: [{ user: "Hi {{char}}", agent: "Hi {{user}}!" }],
    });
    const expanded = withMacros(profile, { char: "Bea", user: "Sam" });
    expect(expanded.greetings).toEqual(["Hello Sam, I am Bea."]);
    const persona = renderPersona(expanded);
    expect(persona).toContain("Bea bakes for Sam.");
    expect(persona).toContain("Scenario:\nSam walks into Bea's bakery.");
    expect(persona).toContain("User: Hi Bea\nBea: Hi Sam!");
    expect(persona).not.toMatch(/\{\{/);
  });
});

describe("mentionsUser", () => {
  it("tells whether a text names the person, however the card spells it", () => {
    expect(mentionsUser("Welcome back, {{ User }}!")).toBe(true);
    expect(mentionsUser("<USER> walks in.")).toBe(true);
    expect(mentionsUser("Hello, {{char}} here.")).toBe(false);
    // The same answer every time: no regex state carried between calls.
    expect([mentionsUser("{{user}}"), mentionsUser("{{user}}")]).toEqual([true, true]);
  });
});
