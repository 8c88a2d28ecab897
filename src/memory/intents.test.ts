import { describe, expect, it } from "vitest";
import { detectMemoryIntent, FORGET_PHRASE, forgetReply, recallReply } from "./intents.js";

describe("detectMemoryIntent", () => {
  it.each([
    "What do you remember about me?",
    "what do you know about me",
    "What have you learned about me so far?",
    "Hey, what do you remember about me?",
    "Tell me what you know about me.",
    "WHAT DID YOU REMEMBER ABOUT ME",
  ])("hears %j as a question about memory", (message) => {
    expect(detectMemoryIntent(message)).toBe("recall");
  });

  it.each(["Forget everything about me", "forget me!", "Please forget everything you know about me.", FORGET_PHRASE])("hears %j as forget", (message) => {
    expect(detectMemoryIntent(message)).toBe("forget");
  });

  it.each([
    "Don't forget me",
    "Forget everything about me and tell me a joke",
    "Never forget me",
    "What do you remember about Paris?",
    "What do you know about cats?",
    "I wonder what you remember about me from last time, and also what the weather is",
    "forget it",
  ])("does not act on %j", (message) => {
    expect(detectMemoryIntent(message)).toBeNull();
  });
});

describe("replies", () => {
  it("lists the memories and says how to clear them", () => {
    const text = recallReply([{ content: "Sam" }, { content: "Likes rye bread" }]);
    expect(text).toContain("- Sam\n- Likes rye bread");
    expect(text).toContain(FORGET_PHRASE);
  });

  it("says when nothing is remembered yet, and what forgetting did", () => {
    expect(recallReply([])).toMatch(/don't remember anything about you yet/);
    expect(forgetReply(3)).toMatch(/forgot everything.*3 notes/);
    expect(forgetReply(0)).toMatch(/nothing to forget/);
  });
});
