import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { AtelierError, Config, modelsDirOf, type ConfigInput } from "../contracts/index.js";

/** Environment variables and the config keys they set (dotted paths into Config). */
export const ENVIRONMENT: Record<string, string> = {
  ATELIER_HOST: "host",
  ATELIER_PORT: "port",
  ATELIER_DATA_DIR: "dataDir",
  ATELIER_DATABASE_URL: "databaseUrl",
  ATELIER_LOG_LEVEL: "logLevel",
  ATELIER_ENGINE: "engine",
  ATELIER_MODEL: "model",
  ATELIER_MODELS_DIR: "modelsDir",
  ATELIER_THREADS: "llama.threads",
  ATELIER_GPU: "llama.gpu",
  ATELIER_FLASH_ATTENTION: "llama.flashAttention",
  ATELIER_CONTEXT_SIZE: "llama.contextSize",
  ATELIER_SEQUENCES: "llama.sequences",
  ATELIER_ENGINE_URL: "openai.baseUrl",
  ATELIER_ENGINE_API_KEY: "openai.apiKey",
  ATELIER_ENGINE_TIMEOUT_MS: "openai.timeoutMs",
  ATELIER_ENGINE_CONTEXT_SIZE: "openai.contextSize",
  ATELIER_DETACHED_REPLY_GRACE_MS: "detachedReplyGraceMs",
  ATELIER_SIGNUP_MODE: "auth.signupMode",
  ATELIER_SESSION_TTL_DAYS: "auth.sessionTtlDays",
  ATELIER_SECURE_COOKIES: "auth.secureCookies",
  ATELIER_TRUST_PROXY: "trustProxy",
  ATELIER_BODY_LIMIT_BYTES: "bodyLimitBytes",
  ATELIER_EMBEDDING_ENGINE: "embedding.engine",
  ATELIER_EMBEDDING_MODEL: "embedding.model",
  ATELIER_KNOWLEDGE_MAX_FILE_BYTES: "knowledge.maxFileBytes",
  ATELIER_KNOWLEDGE_CHUNK_TOKENS: "knowledge.chunkTokens",
  ATELIER_KNOWLEDGE_OVERLAP_TOKENS: "knowledge.overlapTokens",
  ATELIER_KNOWLEDGE_ALLOW_PRIVATE_URLS: "knowledge.allowPrivateUrls",
  ATELIER_KNOWLEDGE_WORKERS: "knowledge.workers",
  ATELIER_MEMORY_EXTRACT: "memory.extract",
  ATELIER_MEMORY_MAX_PER_PERSON: "memory.maxPerPerson",
  ATELIER_MEMORY_RECALL_SHARE: "memory.recallShare",
  ATELIER_MEMORY_SUMMARISE_AT: "memory.summariseAt",
  ATELIER_WEBHOOKS_MAX_ATTEMPTS: "webhooks.maxAttempts",
  ATELIER_WEBHOOKS_BASE_DELAY_MS: "webhooks.baseDelayMs",
  ATELIER_WEBHOOKS_MAX_DELAY_MS: "webhooks.maxDelayMs",
  ATELIER_WEBHOOKS_TIMEOUT_MS: "webhooks.timeoutMs",
  ATELIER_WEBHOOKS_ALLOW_PRIVATE_URLS: "webhooks.allowPrivateUrls",
};

export interface LoadConfigOptions {
  /** A JSON config file; defaults to $ATELIER_CONFIG, then ./atelier.config.json when present. */
  file?: string | undefined;
  env?: NodeJS.ProcessEnv;
  /** Highest precedence (command-line flags, tests). */
  overrides?: ConfigInput;
}

function setPath(target: Record<string, unknown>, dotted: string, value: unknown): void {
  const keys = dotted.split(".");
  let node = target;
  for (const key of keys.slice(0, -1)) {
    const next = node[key];
    node[key] = typeof next === "object" && next !== null ? next : {};
    node = node[key] as Record<string, unknown>;
  }
  node[keys[keys.length - 1]!] = value;
}

function merge(base: Record<string, unknown>, extra: Record<string, unknown>): Record<string, unknown> {
  const result = { ...base };
  for (const [key, value] of Object.entries(extra)) {
    if (value === undefined) continue;
    const existing = result[key];
    result[key] =
      typeof value === "object" && value !== null && !Array.isArray(value) && typeof existing === "object" && existing !== null
        ? merge(existing as Record<string, unknown>, value as Record<string, unknown>)
        : value;
  }
  return result;
}

/** Precedence: defaults < config file < environment < overrides. Relative paths resolve from the cwd. */
export function loadConfig(options: LoadConfigOptions = {}): Config {
  const env = options.env ?? process.env;
  const file = options.file ?? env.ATELIER_CONFIG ?? (existsSync("atelier.config.json") ? "atelier.config.json" : undefined);
  let fromFile: Record<string, unknown> = {};
  if (file) {
    try {
      fromFile = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
    } catch (error) {
      throw new AtelierError("bad_request", `Could not read the config file ${file}: ${(error as Error).message}`, { cause: error });
    }
  }
  const fromEnv: Record<string, unknown> = {};
  for (const [name, key] of Object.entries(ENVIRONMENT)) {
    const value = env[name];
    if (value !== undefined && value !== "") setPath(fromEnv, key, value);
  }
  const raw = merge(merge(fromFile, fromEnv), (options.overrides ?? {}) as Record<string, unknown>);
  const parsed = Config.safeParse(raw);
  if (!parsed.success) throw AtelierError.fromZod(parsed.error, `configuration${file ? ` (${file} and environment)` : ""}`);
  const config = parsed.data;
  config.dataDir = path.resolve(config.dataDir);
  config.modelsDir = path.resolve(modelsDirOf(config));
  if (config.engine === "llama-cpp" && isLocalModelPath(config.model)) config.model = path.resolve(config.model);
  if (config.embedding?.engine === "llama-cpp" && isLocalModelPath(config.embedding.model)) config.embedding.model = path.resolve(config.embedding.model);
  return config;
}

/** A model reference that names a file rather than an hf: URI, URL, or upstream model name. */
export function isLocalModelPath(model: string): boolean {
  return !/^(hf:|https?:)/i.test(model) && (model.endsWith(".gguf") || model.includes("/") || model.includes(path.sep));
}
