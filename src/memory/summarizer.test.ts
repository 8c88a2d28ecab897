import { describe, expect, it } from "vitest";
import { RecordingEngine } from "../engine/testing/recording-engine.js";
import { planCut, summarise, summaryPrompt, type SummarisableMessage } from "./summarizer.js";

describe("planCut", () => {
  const roles = ["user", "assistant", "user", "assistant", "user", "assistant"] as const;

  it("keeps the newest messages that fit half the budget and covers the rest", () => {
    // Kept from the end while they fit 25 tokens: 10 + 10; the third (10) would make 30.
    expect(planCut({ tokens: [10, 10, 10, 10, 10, 10], roles: [...roles], keepBudget: 25, minKeep: 0 })).toBe(4);
  });

  it("covers nothing when everything fits", () => {
    expect(planCut({ tokens: [10, 10], roles: ["user", "assistant"], keepBudget: 100, minKeep: 0 })).toBe(0);
  });

  it("keeps at least minKeep messages, whatever they take", () => {
    expect(planCut({ tokens: [10, 10, 500, 500], roles: [...roles.slice(0, 4)], keepBudget: 50, minKeep: 2 })).toBe(2);
  });

  it("moves the cut so the kept part starts with the person's message", () => {
    // Keeping 3 (assistant, user, assistant) would start with a reply: one more is covered.
    expect(planCut({ tokens: [10, 10, 10, 10, 10, 10], roles: [...roles], keepBudget: 30, minKeep: 0 })).toBe(4);
    // Unless that would keep fewer than minKeep.
    expect(planCut({ tokens: [10, 10, 10, 10, 10], roles: ["user", "assistant", "user", "assistant", "user"], keepBudget: 20, minKeep: 2 })).toBe(3);
  });

  it("covers everything when even the newest message is over the budget and none must be kept", () => {
    expect(planCut({ tokens: [10, 10, 90], roles: ["user", "assistant", "user"], keepBudget: 50, minKeep: 0 })).toBe(3);
  });
});

/** A RecordingEngine with a small context, so a long history takes several summarising calls. */
class SmallEngine extends RecordingEngine {
  override readonly capabilities = { contextSize: 600, tools: false, jsonSchema: false };
}

describe("summarise", () => {
  const messages: SummarisableMessage[] = Array.from({ length: 12 }, (_, index) => ({
    id: `m${index}`, role: index % 2 === 0 ? "user" : "assistant", content: `message ${index} ${"x".repeat(300)}`,
  }));

  it("folds messages into the summary in as many calls as the context needs, each one carrying the summary so far", async () => {
    const engine = new SmallEngine(["Sam wants rye."]);
    const summary = await summarise(engine, { agentName: "Bea", previous: "Earlier: hello.", messages, maxTokens: 100 });
    expect(summary).toBe("Sam wants rye.");
    expect(engine.requests.length).toBeGreaterThan(1);
    for (const request of engine.requests) {
      expect(await engine.countTokens(request.messages)).toBeLessThanOrEqual(600 - 100);
      expect(request.sessionKey).toBeUndefined();
    }
    expect(engine.requests[0]!.messages[1]!.content).toContain("Earlier: hello.");
    expect(engine.requests[1]!.messages[1]!.content).toContain("Sam wants rye.");
    const shown = engine.requests.map((request) => request.messages[1]!.content).join("\n");
    for (const message of messages) expect(shown).toContain(`message ${message.id.slice(1)} `);
  });

  it("shows a message too long for the context clipped, and refuses an empty summary", async () => {
    const engine = new SmallEngine(["Short."]);
    await summarise(engine, { agentName: "Bea", previous: null, messages: [{ id: "a", role: "user", content: "y".repeat(10_000) }], maxTokens: 100 });
    expect(engine.requests[0]!.messages[1]!.content.length).toBeLessThan(3_000);
    await expect(summarise(new SmallEngine([" "]), { agentName: "Bea", previous: null, messages, maxTokens: 100 })).rejects.toMatchObject({ code: "engine_error" });
  });

  it("names the speakers in the transcript", () => {
    const prompt = summaryPrompt({ agentName: "Bea", previous: null, messages: [{ id: "a", role: "user", content: "Hi" }, { id: "b", role: "assistant", content: "Hello" }] });
    expect(prompt[1]!.content).toContain("Person: Hi\n\nBea: Hello");
  });
});
