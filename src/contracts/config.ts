import { z } from "zod";
import { EngineKind } from "./agent.js";

/** The default model when none is configured: a small instruct model, downloaded on first start. */
export const DEFAULT_MODEL = "hf:bartowski/Llama-3.2-1B-Instruct-GGUF:Q4_K_M";

const positiveInt = z.coerce.number().int().min(1);

export const Config = z.object({
  host: z.string().default("127.0.0.1"),
  port: z.coerce.number().int().min(0).max(65_535).default(4321),
  dataDir: z.string().default(".atelier").describe("Database and downloaded models live here."),
  /**
   * A PostgreSQL connection URL (postgres://user:password@host:5432/atelier). Unset: the embedded
   * SQLite file <dataDir>/atelier.db. It holds a password, so it is never logged or echoed back.
   */
  databaseUrl: z.string().trim()
    .regex(/^postgres(ql)?:\/\//i, "must be a postgres:// or postgresql:// URL")
    .optional(),
  logLevel: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  engine: EngineKind.default("llama-cpp"),
  /** GGUF path or hf: URI (llama-cpp), or the upstream model name (openai-compatible). */
  model: z.string().trim().min(1).default(DEFAULT_MODEL),
  modelsDir: z.string().optional().describe("Where pulled models are cached; defaults to <dataDir>/models."),
  llama: z.object({
    /** CPU threads for generation; default: the machine's cores less one (see README, Performance). */
    threads: positiveInt.optional(),
    gpu: z.enum(["auto", "cuda", "vulkan", "metal", "off"]).default("auto"),
    /** "auto": off on the CPU (it made prompt work 3–6× slower there), llama.cpp's choice on a GPU. */
    flashAttention: z.enum(["auto", "on", "off"]).default("auto"),
    /** Context window per conversation, in tokens; default: the model's training context, capped at 4096. */
    contextSize: positiveInt.optional(),
    /**
     * Context sequences per model: how many conversations generate at once, and how many idle
     * conversations keep their KV cache warm (least recently used is evicted first).
     */
    sequences: positiveInt.max(64).default(8),
  }).prefault({}),
  openai: z.object({
    baseUrl: z.string().url().default("http://127.0.0.1:8000/v1"),
    apiKey: z.string().default("not-needed"),
    timeoutMs: positiveInt.default(120_000),
    /** The upstream's context window; used for prompt budgeting. */
    contextSize: positiveInt.default(8192),
  }).prefault({}),
  /**
   * The embedding model for knowledge search. Unset: search is lexical (BM25) only. Changing it
   * re-embeds every source in the background.
   */
  embedding: z.object({
    engine: EngineKind.default("llama-cpp"),
    /** GGUF path or hf: URI (llama-cpp), or the upstream model name (openai-compatible, which uses `openai.baseUrl`). */
    model: z.string().trim().min(1),
  }).optional(),
  knowledge: z.object({
    /** Largest file (or fetched page) accepted, in bytes. */
    maxFileBytes: positiveInt.default(50 * 1024 * 1024),
    /** Tokens per chunk, and tokens repeated from the end of one chunk at the start of the next. */
    chunkTokens: positiveInt.min(32).max(4096).default(256),
    overlapTokens: z.coerce.number().int().min(0).max(1024).default(32),
    /** Fetching URLs on private, loopback or link-local addresses (off: the server could be made to read its own network). */
    allowPrivateUrls: z.preprocess((value) => (value === "true" ? true : value === "false" ? false : value), z.boolean()).default(false),
    /** Sources indexed at once. */
    workers: positiveInt.max(16).default(1),
  }).prefault({}),
  /** What agents remember of each person, and summaries of long conversations (see README, Memory). */
  memory: z.object({
    /** After each reply, note durable facts about the person (one extra generation per turn, in the background). */
    extract: z.preprocess((value) => (value === "true" ? true : value === "false" ? false : value), z.boolean()).default(true),
    /** Memories kept per agent and person; the oldest extracted ones go first beyond it. */
    maxPerPerson: positiveInt.max(10_000).default(200),
    /** Share of the prompt budget memories may take in front of the latest message. */
    recallShare: z.coerce.number().gt(0).max(0.5).default(0.1),
    /** Summarise older turns once the history fills this share of its budget (so none is ever silently dropped). */
    summariseAt: z.coerce.number().gt(0).max(1).default(0.75),
  }).prefault({}),
  /** Signed event deliveries to owners' URLs (see README, Webhooks). */
  webhooks: z.object({
    /** Tries per delivery (the first included) before it is marked failed. */
    maxAttempts: positiveInt.max(50).default(8),
    /** The wait before the first retry; each next one doubles (with jitter) up to maxDelayMs. */
    baseDelayMs: positiveInt.default(5_000),
    maxDelayMs: positiveInt.default(60 * 60 * 1000),
    /** How long one attempt may take, connecting and answering. */
    timeoutMs: positiveInt.max(120_000).default(10_000),
    /** Sending to private, loopback or link-local addresses (off: an owner could make the server call into its own network). */
    allowPrivateUrls: z.preprocess((value) => (value === "true" ? true : value === "false" ? false : value), z.boolean()).default(false),
  }).prefault({}),
  auth: z.object({
    /** Who may sign up once the first account (always allowed, and made admin) exists; an admin can change it at runtime. */
    signupMode: z.enum(["open", "invite", "closed"]).default("invite"),
    /** A session ends after this many days without use. */
    sessionTtlDays: positiveInt.max(365).default(30),
    /** Cookies get the Secure flag: "auto" when the request came over HTTPS (see trustProxy). */
    secureCookies: z.enum(["auto", "always", "never"]).default("auto"),
  }).prefault({}),
  /** Behind a reverse proxy: trust X-Forwarded-For/-Proto for client addresses (rate limits) and HTTPS detection. */
  trustProxy: z.preprocess(
    (value) => (value === "true" ? true : value === "false" ? false : value),
    z.union([z.boolean(), z.string().describe("comma-separated proxy addresses or CIDRs")]),
  ).default(false),
  /** Requests per window per client address; 0 disables a limit. */
  rateLimits: z.object({
    /** Sign-in and sign-up attempts. */
    login: z.object({ max: z.coerce.number().int().min(0).default(10), windowMs: positiveInt.default(60_000) }).prefault({}),
    /** Everything visitors can reach: public profiles, visitor sessions, their conversations. */
    public: z.object({ max: z.coerce.number().int().min(0).default(120), windowMs: positiveInt.default(60_000) }).prefault({}),
  }).prefault({}),
  /** Largest accepted JSON body, in bytes. */
  bodyLimitBytes: positiveInt.default(1024 * 1024),
  /** A reply keeps generating this long after its last listener went away, so a client can resume it. */
  detachedReplyGraceMs: z.coerce.number().int().min(0).default(15_000),
});
export type Config = z.infer<typeof Config>;
export type ConfigInput = z.input<typeof Config>;

/** Where pulled models live: the configured folder, or <dataDir>/models. loadConfig resolves it to an absolute path. */
export function modelsDirOf(config: Pick<Config, "dataDir" | "modelsDir">): string {
  return config.modelsDir ?? `${config.dataDir}/models`;
}
