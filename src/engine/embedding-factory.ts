import { modelsDirOf, type Config } from "../contracts/index.js";
import type { Logger } from "../runtime/logger.js";
import type { EmbeddingEngine } from "./embedding-engine.js";

/**
 * The embedding engine the configuration asks for, or undefined when none is configured (knowledge
 * search is then lexical only). A llama-cpp model is downloaded first when it is an hf: URI or URL.
 */
export async function createEmbeddingEngine(options: {
  config: Config;
  logger: Logger;
  signal?: AbortSignal | undefined;
}): Promise<EmbeddingEngine | undefined> {
  const { config, logger, signal } = options;
  const embedding = config.embedding;
  if (!embedding) return undefined;
  const { model } = embedding;

  // Adapters are imported when configured, as in the chat engine factories.
  if (embedding.engine === "openai-compatible") {
    const { OpenAICompatibleEmbeddingEngine } = await import("./openai-compatible/openai-embedding.js");
    const engine = await OpenAICompatibleEmbeddingEngine.connect({
      baseUrl: config.openai.baseUrl,
      apiKey: config.openai.apiKey,
      model,
      timeoutMs: config.openai.timeoutMs,
      signal,
    });
    logger.info({ model, dimensions: engine.dimensions, baseUrl: config.openai.baseUrl }, "embedding model connected");
    return engine;
  }

  const { isRemoteModel, resolveModel } = await import("./llama-cpp/model-files.js");
  let lastLogged = 0;
  const modelPath = await resolveModel({
    model,
    modelsDir: modelsDirOf(config),
    signal,
    onProgress: (progress) => {
      const percent = progress.totalBytes ? Math.floor((progress.downloadedBytes / progress.totalBytes) * 100) : 0;
      if (percent >= lastLogged + 10) {
        lastLogged = percent;
        logger.info({ model, percent }, "downloading embedding model");
      }
    },
  });
  const { LlamaCppEmbeddingEngine } = await import("./llama-cpp/llama-embedding.js");
  const engine = await LlamaCppEmbeddingEngine.load({
    modelPath,
    // Vectors record the model as configured (an hf: URI), not the cache's file name.
    ...(isRemoteModel(model) ? { modelId: model } : {}),
    gpu: config.llama.gpu,
    ...(config.llama.threads ? { threads: config.llama.threads } : {}),
    signal,
  });
  logger.info({ model: engine.modelId, dimensions: engine.dimensions }, "embedding model loaded");
  return engine;
}
