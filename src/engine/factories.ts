import { modelsDirOf } from "../contracts/index.js";
import type { Logger } from "../runtime/logger.js";
import type { EngineFactories } from "./provider.js";

/**
 * The real adapters, as the composition root wires them. Each is imported when first used: node-llama-cpp
 * alone takes ~0.7 s to load, which a server on an OpenAI-compatible upstream need not spend (nor the
 * openai client a llama.cpp one).
 */
export function defaultEngineFactories(options: { logger: Logger }): EngineFactories {
  return {
    async llamaCpp({ model, config, onProgress }) {
      const [{ LlamaCppEngine }, { isRemoteModel, resolveModel }] = await Promise.all([
        import("./llama-cpp/llama-engine.js"),
        import("./llama-cpp/model-files.js"),
      ]);
      let lastLogged = 0;
      const modelPath = await resolveModel({
        model,
        modelsDir: modelsDirOf(config),
        onProgress: (progress) => {
          onProgress?.(progress);
          const percent = progress.totalBytes ? Math.floor((progress.downloadedBytes / progress.totalBytes) * 100) : 0;
          if (percent >= lastLogged + 10) {
            lastLogged = percent;
            options.logger.info({ model, percent }, "downloading model");
          }
        },
      });
      return LlamaCppEngine.load({
        modelPath,
        // Messages record the model as configured (an hf: URI), not the cache's file name.
        ...(isRemoteModel(model) ? { modelId: model } : {}),
        gpu: config.llama.gpu,
        flashAttention: config.llama.flashAttention,
        sequences: config.llama.sequences,
        ...(config.llama.threads ? { threads: config.llama.threads } : {}),
        ...(config.llama.contextSize ? { contextSize: config.llama.contextSize } : {}),
      });
    },
    async openAICompatible({ model, config }) {
      const { OpenAICompatibleEngine } = await import("./openai-compatible/openai-engine.js");
      return new OpenAICompatibleEngine({
        baseUrl: config.openai.baseUrl,
        apiKey: config.openai.apiKey,
        model,
        contextSize: config.openai.contextSize,
        timeoutMs: config.openai.timeoutMs,
      });
    },
  };
}
