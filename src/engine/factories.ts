import { modelsDirOf } from "../contracts/index.js";
import { LlamaCppEngine } from "./llama-cpp/llama-engine.js";
import { isRemoteModel, resolveModel } from "./llama-cpp/model-files.js";
import { OpenAICompatibleEngine } from "./openai-compatible/openai-engine.js";
import type { Logger } from "../runtime/logger.js";
import type { EngineFactories } from "./provider.js";

/** The real adapters, as the composition root wires them. */
export function defaultEngineFactories(options: { logger: Logger }): EngineFactories {
  return {
    async llamaCpp({ model, config, onProgress }) {
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
