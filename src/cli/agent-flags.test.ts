import { Command } from "commander";
import { describe, expect, it } from "vitest";
import { AtelierError } from "../contracts/index.js";
import { addAgentFlags, buildPatch, buildProfile, fieldsFromFlags, type AgentFlags } from "./agent-flags.js";

/** Parses argv with the real option definitions, so the tests cover commander's side too. */
function parseFlags(argv: string[], editing = false): AgentFlags & { file?: string } {
  const command = addAgentFlags(new Command("x").exitOverride().configureOutput({ writeErr: () => undefined }), { editing });
  command.parse(argv, { from: "user" });
  return command.opts<AgentFlags & { file?: string }>();
}

function failure(action: () => unknown): AtelierError {
  try {
    action();
  } catch (error) {
    if (error instanceof AtelierError) return error;
    throw error;
  }
  throw new Error("expected a failure");
}

describe("agent flags", () => {
  it("turn repeatable and numeric flags into a profile", () => {
    const flags = parseFlags([
      "--name", "Ada", "--tagline", "A librarian",
      "--trait", "curious", "--trait", "precise",
      "--interest", "books", "--greeting", "Hello!", "--avoid", "politics",
      "--temperature", "0.6", "--max-tokens", "256", "--model", "hf:org/repo:Q4_K_M",
    ]);
    expect(buildProfile({ flags })).toMatchObject({
      name: "Ada",
      tagline: "A librarian",
      traits: ["curious", "precise"],
      interests: ["books"],
      greetings: ["Hello!"],
      avoidTopics: ["politics"],
      model: { temperature: 0.6, maxTokens: 256, model: "hf:org/repo:Q4_K_M" },
    });
  });

  it("leave unset flags out, so an edit touches only what was given", () => {
    expect(fieldsFromFlags(parseFlags(["--tone", "dry"], true))).toEqual({ tone: "dry" });
    // Not { temperature, maxTokens: 512 }: a schema default must never overwrite a field left alone.
    expect(buildPatch({ flags: parseFlags(["--temperature", "1.1"], true) })).toEqual({ model: { temperature: 1.1 } });
  });

  it("let flags win over the file and merge the model settings", () => {
    const file = { name: "From file", tone: "formal", traits: ["a"], model: { temperature: 0.2, maxTokens: 100 } };
    const profile = buildProfile({ flags: parseFlags(["--name", "Ada", "--max-tokens", "300"]), file });
    expect(profile).toMatchObject({ name: "Ada", tone: "formal", traits: ["a"], model: { temperature: 0.2, maxTokens: 300 } });
  });

  it("accept `agent show --json` output as a patch file by dropping read-only fields", () => {
    const file = { id: "agt_1", version: 3, createdAt: "x", updatedAt: "y", name: "Ada", tone: "warm" };
    expect(buildPatch({ flags: {}, file })).toEqual({ name: "Ada", tone: "warm" });
  });

  it("name the flag and the field in validation errors", () => {
    const error = failure(() => buildProfile({ flags: parseFlags(["--temperature", "3", "--trait", "x".repeat(61)]) }));
    expect(error.code).toBe("validation_failed");
    expect(error.message).toBe("Invalid agent profile");
    const paths = error.issues?.map((issue) => issue.path);
    expect(paths).toEqual(expect.arrayContaining(["name (--name)", "model.temperature (--temperature)", "traits.0 (--trait)"]));
  });

  it("reject unknown fields in a patch file", () => {
    const error = failure(() => buildPatch({ flags: {}, file: { nmae: "typo" } }));
    expect(error.code).toBe("validation_failed");
    expect(error.issues?.[0]?.message).toMatch(/nmae/);
  });

  it("refuse an edit that changes nothing", () => {
    expect(failure(() => buildPatch({ flags: {} })).message).toMatch(/Nothing to change/);
  });

  it("refuse a file that is not a JSON object", () => {
    expect(failure(() => buildProfile({ flags: {}, file: ["Ada"] })).message).toMatch(/JSON object/);
  });

  it("reject numbers that are not numbers before validation", () => {
    expect(() => parseFlags(["--temperature", "warm"])).toThrow(/Not a number/);
    expect(() => parseFlags(["--max-tokens", "1.5"])).toThrow(/Not a whole number/);
  });
});
