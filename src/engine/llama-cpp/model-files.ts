import { statSync } from "node:fs";
import path from "node:path";
import { resolveModelFile } from "node-llama-cpp";
import { AtelierError } from "../../contracts/index.js";

export interface DownloadProgress {
  downloadedBytes: number;
  totalBytes: number;
}

export interface PullModelOptions {
  /** `hf:<user>/<repo>:<quant>`, `hf:<user>/<repo>/<file>.gguf[#branch]`, or an http(s) URL of a .gguf file. */
  uri: string;
  /** Downloads land here; a complete earlier download of the same model is reused without network. */
  modelsDir: string;
  onProgress?: ((progress: DownloadProgress) => void) | undefined;
  signal?: AbortSignal | undefined;
  /** How long the download host may take to answer before the pull fails; default 15 s. */
  connectTimeoutMs?: number | undefined;
  /** Hugging Face mirror for hf: URIs; default $MODEL_ENDPOINT, $HF_ENDPOINT, then https://huggingface.co/. */
  huggingFaceEndpoint?: string | undefined;
}

export interface ResolveModelOptions extends Omit<PullModelOptions, "uri"> {
  /** A .gguf path (absolute, relative to the cwd, or a file name inside modelsDir), an hf: URI, or a URL. */
  model: string;
}

const DEFAULT_CONNECT_TIMEOUT_MS = 15_000;

export function isRemoteModel(model: string): boolean {
  return /^(hf:|https?:\/\/)/i.test(model.trim());
}

/** The local path of a model, downloading it first when it is an hf: URI or URL. */
export async function resolveModel(options: ResolveModelOptions): Promise<string> {
  const { model, ...rest } = options;
  if (isRemoteModel(model)) return pullModel({ uri: model.trim(), ...rest });
  return findLocalModel(model, options.modelsDir);
}

/** Downloads a model into modelsDir (or finds the earlier download) and returns its local path. */
export async function pullModel(options: PullModelOptions): Promise<string> {
  const { uri, modelsDir, signal } = options;
  if (!isRemoteModel(uri)) {
    throw new AtelierError("bad_request", `${uri} is not an hf: URI or http(s) URL; there is nothing to download.`);
  }
  const endpoints = options.huggingFaceEndpoint ? { huggingFace: options.huggingFaceEndpoint } : undefined;
  // URLs carry their file name: naming the download after it lets a later start find it offline.
  const fileName = urlFileName(uri);
  const common = { directory: modelsDir, cli: false, ...(fileName ? { fileName } : {}), ...(endpoints ? { endpoints } : {}) };

  const existing = await resolveModelFile(uri, { ...common, download: false }).catch(() => undefined);
  if (existing) return existing;

  try {
    signal?.throwIfAborted();
    // node-llama-cpp's downloader retries an unreachable host for minutes before giving up; find out first.
    await probeHost({ url: probeUrl(uri, options.huggingFaceEndpoint), timeoutMs: options.connectTimeoutMs, signal });
    const download = resolveModelFile(uri, {
      ...common,
      ...(signal ? { signal } : {}),
      onProgress: ({ downloadedSize, totalSize }) => options.onProgress?.({ downloadedBytes: downloadedSize, totalBytes: totalSize }),
    });
    // Resolving an hf: URI ignores the signal, so the abort is honoured here as well.
    return await raceAbort(download, signal);
  } catch (error) {
    throw downloadError({ uri, modelsDir, error, signal });
  }
}

function findLocalModel(model: string, modelsDir: string): string {
  const candidates = path.isAbsolute(model) ? [model] : [path.resolve(model), path.join(modelsDir, model)];
  for (const candidate of candidates) {
    if (isFile(candidate)) return candidate;
  }
  throw new AtelierError(
    "model_not_found",
    `No model file at ${candidates[0]}. Set ATELIER_MODEL to a .gguf file or an hf: URI ` +
      "(for example hf:bartowski/Llama-3.2-1B-Instruct-GGUF:Q4_K_M).",
  );
}

function isFile(candidate: string): boolean {
  try {
    return statSync(candidate).isFile();
  } catch {
    return false;
  }
}

function urlFileName(uri: string): string | undefined {
  if (!/^https?:\/\//i.test(uri)) return undefined;
  const last = decodeURIComponent(new URL(uri).pathname.split("/").at(-1) ?? "");
  return /^[\w.-]+\.gguf$/i.test(last) ? last : undefined;
}

function probeUrl(uri: string, huggingFaceEndpoint: string | undefined): string {
  if (/^https?:\/\//i.test(uri)) return new URL(uri).origin;
  return huggingFaceEndpoint ?? process.env.MODEL_ENDPOINT ?? process.env.HF_ENDPOINT ?? "https://huggingface.co/";
}

/** Any HTTP answer means the host is reachable; only a network failure or silence fails. */
async function probeHost(options: { url: string; timeoutMs?: number | undefined; signal?: AbortSignal | undefined }): Promise<void> {
  const timeout = AbortSignal.timeout(options.timeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  try {
    const response = await fetch(options.url, { method: "HEAD", signal, redirect: "manual" });
    await response.body?.cancel();
  } catch (error) {
    if (options.signal?.aborted) throw options.signal.reason;
    throw new UnreachableError(options.url, timeout.aborted, error);
  }
}

class UnreachableError extends Error {
  constructor(
    readonly url: string,
    readonly timedOut: boolean,
    cause: unknown,
  ) {
    super(`${url} did not answer`, { cause });
  }
}

function raceAbort<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

function downloadError(options: { uri: string; modelsDir: string; error: unknown; signal?: AbortSignal | undefined }): AtelierError {
  const { uri, modelsDir, error, signal } = options;
  if (AtelierError.is(error)) return error;
  const userCancelled = signal?.aborted && !isTimeout(signal.reason);
  if (userCancelled) return new AtelierError("aborted", `Downloading ${uri} was cancelled.`, { cause: error });
  const advice =
    `Download the .gguf file manually (for example from https://huggingface.co), put it in ${modelsDir}, ` +
    "and set ATELIER_MODEL to its path.";
  return new AtelierError("model_download_failed", `Could not download the model ${uri}: ${describeFailure(error, signal)}. ${advice}`, {
    cause: error,
  });
}

function describeFailure(error: unknown, signal: AbortSignal | undefined): string {
  if (error instanceof UnreachableError) {
    return error.timedOut
      ? `the network could not be reached (${error.url} did not answer in time)`
      : `the network could not be reached (${error.url}: ${causeText(error.cause)})`;
  }
  if (signal?.aborted) return "the download timed out";
  const status = statusCodeOf(error);
  const text = causeText(error);
  if (status === 404 || (status === undefined && /\b404\b|not found|does not exist/i.test(text))) {
    return `the file was not found (${text}); check the repository, file name or quantisation`;
  }
  if (status === 401 || status === 403) {
    return `access was denied (HTTP ${status}); for a gated model accept its licence on Hugging Face and set HF_TOKEN`;
  }
  if (status !== undefined) return `the server answered HTTP ${status}`;
  if (/fetch failed|ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|network/i.test(text)) {
    return `the network could not be reached (${text})`;
  }
  return text;
}

function statusCodeOf(error: unknown): number | undefined {
  const value = (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof value === "number" ? value : undefined;
}

function causeText(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : "";
  return `${error.message}${cause}`;
}

function isTimeout(reason: unknown): boolean {
  return reason instanceof Error && reason.name === "TimeoutError";
}
