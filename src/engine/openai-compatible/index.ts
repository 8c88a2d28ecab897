export { OpenAICompatibleEngine, type OpenAICompatibleEngineOptions } from "./openai-engine.js";
export { estimateMessageTokens, estimateTextTokens, UpstreamTokenCounter, type TokenizerDialect } from "./token-counter.js";
