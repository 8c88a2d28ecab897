export {
  LlamaCppEngine,
  defaultThreadCount,
  DEFAULT_SEQUENCES,
  MAX_DEFAULT_CONTEXT,
  type GpuSetting,
  type LlamaCppEngineOptions,
  type LlamaCppEngineStats,
} from "./llama-engine.js";
export { resolveModel, pullModel, isRemoteModel, type DownloadProgress, type PullModelOptions, type ResolveModelOptions } from "./model-files.js";
