import { describe, expect, it } from "vitest";
import { AgentDraft, AtelierError } from "../contracts/index.js";
import { DRAFT_JSON_SCHEMA, parseDraft } from "./agent-drafter.js";

const complete = {
  name: "Bea", tagline: "Bread and cakes", description: "A baker.", personality: "Warm.", traits: ["warm"], interests: ["bread"],
  tone: "Friendly.", instructions: "You help customers.", greetings: ["Hello!"], exampleDialogues: [{ user: "Open?", agent: "Until six." }],
  avoidTopics: ["politics"],
};

describe("parseDraft", () => {
  it("keeps a complete draft as written", () => {
    expect(parseDraft(JSON.stringify(complete), "m")).toEqual(AgentDraft.parse(complete));
  });

  it("tidies what grammars cannot prevent: blank and repeated items, blank dialogue turns, a blank name", () => {
    const draft = parseDraft(JSON.stringify({
      ...complete,
      name: "  ",
      traits: ["warm", " Warm ", "", "kind"],
      exampleDialogues: [{ user: " ", agent: "x" }, { user: "Hi", agent: "Hello" }],
    }), "m");
    expect(draft.name).toBe("New agent");
    expect(draft.traits).toEqual(["warm", "kind"]);
    expect(draft.exampleDialogues).toEqual([{ user: "Hi", agent: "Hello" }]);
  });

  it("says the model failed, with engine_error, when the output is not JSON", () => {
    expect(() => parseDraft("{\"name\": \"Be", "tiny")).toThrowError(expect.objectContaining({ code: "engine_error" }) as AtelierError);
  });

  it("asks for every profile field the draft returns, within the profile's limits", () => {
    expect([...DRAFT_JSON_SCHEMA.required].sort()).toEqual(Object.keys(AgentDraft.shape).sort());
    const limits = AgentDraft.shape.instructions.unwrap().maxLength ?? Infinity;
    expect(DRAFT_JSON_SCHEMA.properties.instructions.maxLength).toBeLessThanOrEqual(limits);
  });
});
