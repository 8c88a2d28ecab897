import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testModelPath, testThreads } from "../../../test/support/models.js";
import { AtelierError } from "../../contracts/index.js";
import { LlamaCppEmbeddingEngine } from "./llama-embedding.js";

// stories260K's embeddings carry no meaning (all cosines about 0.95): these tests check mechanics only.
let engine: LlamaCppEmbeddingEngine;

beforeAll(async () => {
  engine = await LlamaCppEmbeddingEngine.load({ modelPath: testModelPath(), threads: testThreads, gpu: "off" });
});

afterAll(async () => {
  await engine?.[Symbol.asyncDispose]();
});

function length(vector: Float32Array): number {
  return Math.sqrt(vector.reduce((sum, value) => sum + value * value, 0));
}

describe("LlamaCppEmbeddingEngine (stories260K)", () => {
  it("names the model after its file and reports the vector length", () => {
    expect(engine.modelId).toBe("stories260K");
    expect(engine.dimensions).toBeGreaterThan(0);
  });

  it("returns one unit-length vector per text, in order", async () => {
    const vectors = await engine.embed(["Once upon a time there was a cat.", "The dog ran to the park.", "Lily liked the sun."]);
    expect(vectors).toHaveLength(3);
    for (const vector of vectors) {
      expect(vector).toBeInstanceOf(Float32Array);
      expect(vector).toHaveLength(engine.dimensions);
      expect(length(vector)).toBeCloseTo(1, 5);
    }
    const [second] = await engine.embed(["The dog ran to the park."]);
    expect(Array.from(second!)).toEqual(Array.from(vectors[1]!));
  });

  it("is deterministic, also when calls overlap", async () => {
    const text = "Tom found a red ball under the tree.";
    const results = await Promise.all([engine.embed([text]), engine.embed(["Something else."]), engine.embed([text])]);
    expect(Array.from(results[2]![0]!)).toEqual(Array.from(results[0]![0]!));
  });

  it("cuts texts longer than the context instead of refusing them", async () => {
    const long = Array.from({ length: 10_000 }, (_, index) => `word${index % 97}`).join(" ");
    const [vector] = await engine.embed([long]);
    expect(length(vector!)).toBeCloseTo(1, 5);
  });

  it("gives an empty text a zero vector", async () => {
    const [vector] = await engine.embed([""]);
    expect(vector).toHaveLength(engine.dimensions);
    expect(length(vector!)).toBe(0);
  });

  it("stops between texts when aborted", async () => {
    const controller = new AbortController();
    const texts = Array.from({ length: 2_000 }, (_, index) => `Story number ${index} about a happy bird.`);
    const pending = engine.embed(texts, { signal: controller.signal });
    setTimeout(() => controller.abort(), 5);
    await expect(pending).rejects.toMatchObject({ code: "aborted" });
    await expect(engine.embed(["x"], { signal: AbortSignal.abort() })).rejects.toMatchObject({ code: "aborted" });
    // The engine stays usable.
    expect(await engine.embed(["After the abort."])).toHaveLength(1);
  });
});

describe("LlamaCppEmbeddingEngine lifecycle", () => {
  it("throws disposed after disposal, also for calls queued when it began", async () => {
    const own = await LlamaCppEmbeddingEngine.load({ modelPath: testModelPath(), threads: testThreads, gpu: "off", modelId: "mine" });
    expect(own.modelId).toBe("mine");
    const queued = own.embed(Array.from({ length: 200 }, (_, index) => `Text ${index}.`));
    const disposal = own[Symbol.asyncDispose]();
    await expect(queued).rejects.toMatchObject({ code: "disposed" });
    await disposal;
    expect(own.disposed).toBe(true);
    await expect(own.embed(["late"])).rejects.toSatisfy((error) => AtelierError.is(error, "disposed"));
  });

  it("reports a missing file as model_not_found", async () => {
    await expect(LlamaCppEmbeddingEngine.load({ modelPath: "/nonexistent/model.gguf", threads: 1 })).rejects.toMatchObject({
      code: "model_not_found",
    });
  });
});
