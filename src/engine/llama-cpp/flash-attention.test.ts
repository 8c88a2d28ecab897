import { expect, it } from "vitest";
import { flashAttentionFor } from "./llama-engine.js";

it("turns flash attention off on the CPU unless asked for, and leaves a GPU to llama.cpp", () => {
  expect(flashAttentionFor("auto", false)).toBe(false);
  expect(flashAttentionFor("auto", "cuda")).toBe("auto");
  expect(flashAttentionFor("on", false)).toBe(true);
  expect(flashAttentionFor("off", "metal")).toBe(false);
});
