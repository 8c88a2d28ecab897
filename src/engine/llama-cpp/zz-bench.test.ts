import { it } from "vitest";
import { testModelPath } from "../../../test/support/models.js";
import { collectChat } from "../chat-engine.js";
import { LlamaCppEngine } from "./llama-engine.js";

it("bench", async () => {
  for (const threads of [1, 2, 1, 2]) {
    const engine = await LlamaCppEngine.load({ modelPath: testModelPath(), threads, gpu: "off", sequences: 2 });
    const rates: string[] = [];
    for (let run = 0; run < 3; run++) {
      const t = performance.now();
      const r = await collectChat(engine.streamChat({ messages: [{ role: "user", content: "Once upon a time" }], sampling: { temperature: 0.8, seed: run, maxTokens: 300 } }));
      rates.push((r.usage.completionTokens / (performance.now() - t) * 1000).toFixed(0));
    }
    const t = performance.now();
    const both = await Promise.all(["A dog", "A cat"].map((content, i) => collectChat(engine.streamChat({ messages: [{ role: "user", content }], sessionKey: content, sampling: { temperature: 0.8, seed: i, maxTokens: 300 } }))));
    const total = both.reduce((n, r) => n + r.usage.completionTokens, 0);
    console.log(`engine threads=${threads}: single ${rates.join(" ")} tok/s; two concurrent: ${(total / (performance.now() - t) * 1000).toFixed(0)} tok/s total`);
    await engine[Symbol.asyncDispose]();
  }
}, 300_000);
