import path from "node:path";
import {
  AtelierError,
  type EngineKind,
  type LocalModel,
  type ModelDownload,
  type ModelsOverview,
} from "../contracts/index.js";
import type { EngineProvider } from "../engine/chat-engine.js";
import { newId } from "./ids.js";
import type { Logger } from "./logger.js";

/** Downloads a model into the models directory and returns its local path (the llama-cpp adapter's pullModel). */
export type PullModel = (options: {
  uri: string;
  onProgress: (progress: { downloadedBytes: number; totalBytes: number }) => void;
  signal: AbortSignal;
}) => Promise<string>;

/** Finished downloads kept for the models page; older ones are forgotten. */
const FINISHED_KEPT = 20;

/**
 * What the models page shows and does: the instance default, the local GGUF files, and downloads
 * that run in the background (they outlive the request that started them; the page polls).
 */
export class ModelsService implements AsyncDisposable {
  readonly #defaults: { engine: EngineKind; model: string };
  readonly #engines: EngineProvider;
  readonly #modelsDir: string;
  readonly #listLocal: () => Promise<LocalModel[]>;
  readonly #pull: PullModel;
  readonly #logger: Logger;
  readonly #downloads = new Map<string, { state: ModelDownload; controller: AbortController; done: Promise<void> }>();

  constructor(options: {
    defaults: { engine: EngineKind; model: string };
    engines: EngineProvider;
    modelsDir: string;
    listLocal: () => Promise<LocalModel[]>;
    pull: PullModel;
    logger: Logger;
  }) {
    this.#defaults = options.defaults;
    this.#engines = options.engines;
    this.#modelsDir = options.modelsDir;
    this.#listLocal = options.listLocal;
    this.#pull = options.pull;
    this.#logger = options.logger;
  }

  async overview(options: { admin: boolean }): Promise<ModelsOverview> {
    return {
      ...this.#defaults,
      status: this.#engines.status(),
      local: await this.#listLocal(),
      downloads: options.admin ? this.downloads() : [],
      canDownload: options.admin,
    };
  }

  /** Newest first. */
  downloads(): ModelDownload[] {
    return [...this.#downloads.values()].map((entry) => ({ ...entry.state })).reverse();
  }

  /** Starts a download, or returns the one already fetching this URI. */
  startDownload(uri: string): ModelDownload {
    const running = [...this.#downloads.values()].find((entry) => entry.state.uri === uri && entry.state.status === "running");
    if (running) return { ...running.state };
    const state: ModelDownload = {
      id: newId("dl"), uri, status: "running", downloadedBytes: 0, totalBytes: 0, model: null, error: null,
      startedAt: new Date().toISOString(), finishedAt: null,
    };
    const controller = new AbortController();
    const done = this.#run(state, controller.signal);
    this.#downloads.set(state.id, { state, controller, done });
    this.#forgetOldDownloads();
    return { ...state };
  }

  cancelDownload(id: string): ModelDownload {
    const entry = this.#downloads.get(id);
    if (!entry) throw new AtelierError("not_found", `No download "${id}". List them with GET /api/models/downloads.`);
    if (entry.state.status === "running") {
      entry.controller.abort(new AtelierError("aborted", "Download cancelled; start it again to resume."));
    }
    return { ...entry.state };
  }

  async #run(state: ModelDownload, signal: AbortSignal): Promise<void> {
    try {
      const file = await this.#pull({
        uri: state.uri,
        signal,
        onProgress: ({ downloadedBytes, totalBytes }) => {
          state.downloadedBytes = downloadedBytes;
          state.totalBytes = totalBytes;
        },
      });
      state.model = path.relative(this.#modelsDir, file).split(path.sep).join("/");
      state.status = "done";
      state.downloadedBytes = Math.max(state.downloadedBytes, state.totalBytes);
    } catch (error) {
      const cancelled = signal.aborted;
      state.status = cancelled ? "cancelled" : "failed";
      state.error = AtelierError.is(error)
        ? { code: error.code, message: error.message }
        : { code: "model_download_failed", message: `The download of ${state.uri} failed. Check the URI and the network, then try again.` };
      if (!cancelled) this.#logger.warn({ err: error, uri: state.uri }, "model download failed");
    } finally {
      state.finishedAt = new Date().toISOString();
    }
  }

  #forgetOldDownloads(): void {
    const finished = [...this.#downloads.values()].filter((entry) => entry.state.status !== "running");
    for (const entry of finished.slice(0, Math.max(0, finished.length - FINISHED_KEPT))) this.#downloads.delete(entry.state.id);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    const entries = [...this.#downloads.values()];
    for (const entry of entries) entry.controller.abort(new AtelierError("aborted", "The server is shutting down."));
    await Promise.all(entries.map((entry) => entry.done));
  }
}
