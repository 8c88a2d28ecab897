export { LlamaCppEngine, type LlamaCppEngineOptions, type LlamaCppEngineStats } from "./llama-engine.js";
export { defaultThreadCount, DEFAULT_SEQUENCES, MAX_DEFAULT_CONTEXT, type GpuSetting } from "./load-options.js";
export { resolveModel, pullModel, isRemoteModel, type DownloadProgress, type PullModelOptions, type ResolveModelOptions } from "./model-files.js";
