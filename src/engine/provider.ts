import { AtelierError, EngineKind, type Config } from "../contracts/index.js";
import type { ChatEngine, EngineProvider } from "./chat-engine.js";

export interface EngineFactories {
  llamaCpp(options: { model: string; config: Config; onProgress?: DownloadProgress }): Promise<ChatEngine>;
  openAICompatible(options: { model: string; config: Config }): Promise<ChatEngine>;
}

export type DownloadProgress = (progress: { downloadedBytes: number; totalBytes: number }) => void;

/**
 * Loads each (engine, model) pair once and shares it between agents. The instance default is what
 * an agent gets when its model settings leave engine or model unset.
 */
export class CachingEngineProvider implements EngineProvider {
  readonly #config: Config;
  readonly #factories: EngineFactories;
  readonly #onProgress: DownloadProgress | undefined;
  readonly #engines = new Map<string, Promise<ChatEngine>>();
  #defaultState: { ready: boolean; detail: string } = { ready: false, detail: "model not loaded yet" };
  #disposed = false;

  constructor(options: { config: Config; factories: EngineFactories; onProgress?: DownloadProgress }) {
    this.#config = options.config;
    this.#factories = options.factories;
    this.#onProgress = options.onProgress;
  }

  async resolve(selection: { engine?: string | undefined; model?: string | undefined }): Promise<ChatEngine> {
    if (this.#disposed) throw new AtelierError("disposed", "The engines were shut down; restart the server.");
    const engineParse = EngineKind.safeParse(selection.engine ?? this.#config.engine);
    if (!engineParse.success) {
      throw new AtelierError("bad_request", `Unknown engine "${selection.engine}". Use "llama-cpp" or "openai-compatible".`);
    }
    const engine = engineParse.data;
    const model = selection.model ?? (engine === this.#config.engine ? this.#config.model : undefined);
    if (!model) {
      throw new AtelierError("bad_request", `The agent uses the ${engine} engine but names no model. Set its model.`);
    }
    const key = `${engine}\u0000${model}`;
    let loading = this.#engines.get(key);
    if (!loading) {
      loading =
        engine === "llama-cpp"
          ? this.#factories.llamaCpp({ model, config: this.#config, ...(this.#onProgress ? { onProgress: this.#onProgress } : {}) })
          : this.#factories.openAICompatible({ model, config: this.#config });
      this.#engines.set(key, loading);
      // A failed load must not poison the cache: the next request tries again (e.g. after a download).
      loading.catch(() => this.#engines.delete(key));
    }
    return loading;
  }

  async warmUp(): Promise<void> {
    try {
      const engine = await this.resolve({});
      this.#defaultState = { ready: true, detail: `${engine.modelId} (context ${engine.capabilities.contextSize} tokens)` };
    } catch (error) {
      this.#defaultState = { ready: false, detail: error instanceof Error ? error.message : String(error) };
      throw error;
    }
  }

  status(): { ready: boolean; detail: string } {
    return this.#defaultState;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.#disposed = true;
    const loaded = await Promise.allSettled(this.#engines.values());
    this.#engines.clear();
    for (const result of loaded) {
      if (result.status === "fulfilled") await result.value[Symbol.asyncDispose]();
    }
  }
}
