import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import http from "node:http";
import net from "node:net";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testModelPath } from "../../../test/support/models.js";
import { AtelierError } from "../../contracts/index.js";
import { resolveModel, type DownloadProgress } from "./model-files.js";

const modelBytes = readFileSync(testModelPath());
let modelsDir: string;
let server: http.Server;
let baseUrl: string;
const requests: string[] = [];

const modelRoutes = new Set([
  "/files/stories260K.gguf",
  "/atelier/tiny/resolve/main/stories260K.gguf",
  "/atelier/Tiny-GGUF/resolve/main/stories260K.gguf",
]);

/** Serves the test model by URL and as a small Hugging Face mirror (file paths and a quant manifest). */
function serveModels(): http.Server {
  return http.createServer((request, response) => {
    const url = new URL(request.url ?? "/", "http://localhost");
    requests.push(`${request.method} ${url.pathname}`);
    if (url.pathname === "/slow/stories260K.gguf") {
      // Sends the first 64 KiB, then stalls until the client gives up.
      response.writeHead(200, { "content-length": modelBytes.length, "content-type": "application/octet-stream" });
      if (request.method !== "HEAD") response.write(modelBytes.subarray(0, 65_536));
      else response.end();
      return;
    }
    if (url.pathname === "/v2/atelier/Tiny-GGUF/manifests/Q8_0") {
      response.writeHead(200, { "content-type": "application/json" });
      response.end(JSON.stringify({ ggufFile: { rfilename: "stories260K.gguf", size: modelBytes.length } }));
      return;
    }
    if (!modelRoutes.has(url.pathname)) {
      response.writeHead(404).end("not found");
      return;
    }
    response.writeHead(200, { "content-length": modelBytes.length, "content-type": "application/octet-stream" });
    response.end(request.method === "HEAD" ? undefined : modelBytes);
  });
}

async function closedPortUrl(): Promise<string> {
  const probe = http.createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return `http://127.0.0.1:${port}/`;
}

async function failure(promise: Promise<unknown>): Promise<AtelierError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(AtelierError);
  return error as AtelierError;
}

beforeAll(async () => {
  modelsDir = await mkdtemp(path.join(os.tmpdir(), "atelier-models-"));
  server = serveModels();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  await rm(modelsDir, { recursive: true, force: true });
});

describe("resolveModel: local files", () => {
  it("returns an existing .gguf path", async () => {
    expect(await resolveModel({ model: testModelPath(), modelsDir })).toBe(testModelPath());
  });

  it("finds a bare file name inside modelsDir", async () => {
    const dir = path.dirname(testModelPath());
    expect(await resolveModel({ model: "stories260K.gguf", modelsDir: dir })).toBe(testModelPath());
  });

  it("fails with model_not_found and says how to fix it", async () => {
    const missing = path.join(modelsDir, "nope.gguf");
    const error = await failure(resolveModel({ model: missing, modelsDir }));
    expect(error.code).toBe("model_not_found");
    expect(error.message).toContain(`No model file at ${missing}`);
    expect(error.message).toContain("Set ATELIER_MODEL to a .gguf file or an hf: URI");
  });
});

describe("resolveModel: downloads", () => {
  it("downloads a model by http URL with progress, then reuses the file without the network", async () => {
    const progress: DownloadProgress[] = [];
    const url = `${baseUrl}/files/stories260K.gguf`;
    const local = await resolveModel({ model: url, modelsDir, onProgress: (update) => progress.push(update) });
    expect(local).toBe(path.join(modelsDir, "stories260K.gguf"));
    expect((await readFile(local)).equals(modelBytes)).toBe(true);
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.at(-1)).toEqual({ downloadedBytes: modelBytes.length, totalBytes: modelBytes.length });

    const before = requests.length;
    expect(await resolveModel({ model: url, modelsDir, connectTimeoutMs: 1 })).toBe(local);
    expect(requests.length).toBe(before);
  });

  it("downloads an hf:user/repo/file.gguf URI from a Hugging Face endpoint", async () => {
    const progress: DownloadProgress[] = [];
    const local = await resolveModel({
      model: "hf:atelier/tiny/stories260K.gguf",
      modelsDir,
      huggingFaceEndpoint: `${baseUrl}/`,
      onProgress: (update) => progress.push(update),
    });
    expect(path.dirname(local)).toBe(modelsDir);
    expect(path.basename(local)).toMatch(/^hf_atelier_.*stories260K\.gguf$/);
    expect((await readFile(local)).equals(modelBytes)).toBe(true);
    expect(progress.at(-1)?.downloadedBytes).toBe(modelBytes.length);
  });

  it("downloads an hf:user/repo:quant URI through the manifest, then finds it again offline", async () => {
    const model = "hf:atelier/Tiny-GGUF:Q8_0";
    const local = await resolveModel({ model, modelsDir, huggingFaceEndpoint: `${baseUrl}/` });
    expect(path.basename(local)).toBe("hf_atelier_Tiny.Q8_0.gguf");
    expect((await readFile(local)).equals(modelBytes)).toBe(true);
    // A later start without network reuses the complete download.
    expect(await resolveModel({ model, modelsDir, huggingFaceEndpoint: await closedPortUrl() })).toBe(local);
  });

  it("says when a Hugging Face repository has no such quantisation", async () => {
    const model = "hf:atelier/Tiny-GGUF:Q2_K";
    const error = await failure(resolveModel({ model, modelsDir, huggingFaceEndpoint: `${baseUrl}/` }));
    expect(error.code).toBe("model_download_failed");
    expect(error.message).toContain(`Could not download the model ${model}: the file was not found`);
  });

  it("names the URI and says the file was not found on a 404", async () => {
    const url = `${baseUrl}/files/missing.gguf`;
    const error = await failure(resolveModel({ model: url, modelsDir, signal: AbortSignal.timeout(10_000) }));
    expect(error.code).toBe("model_download_failed");
    expect(error.message).toContain(url);
    expect(error.message).toContain("not found");
    expect(error.message).toContain("set ATELIER_MODEL");
  });

  it("fails fast and clearly when the Hugging Face host cannot be reached (offline)", async () => {
    const started = performance.now();
    const model = "hf:bartowski/Llama-3.2-1B-Instruct-GGUF:Q4_K_M";
    const error = await failure(resolveModel({ model, modelsDir, huggingFaceEndpoint: await closedPortUrl() }));
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(error.code).toBe("model_download_failed");
    expect(error.message).toContain(model);
    expect(error.message).toContain("the network could not be reached");
    expect(error.message).toMatch(/Download the \.gguf file manually.*set ATELIER_MODEL/s);
  });

  it("gives up after connectTimeoutMs when the host accepts connections but never answers", async () => {
    const sockets: net.Socket[] = [];
    const silent = net.createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}/model.gguf`;
    try {
      const error = await failure(resolveModel({ model: url, modelsDir, connectTimeoutMs: 300 }));
      expect(error.code).toBe("model_download_failed");
      expect(error.message).toContain("did not answer in time");
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it("stops a download in progress when the signal aborts, leaving no model file behind", async () => {
    const controller = new AbortController();
    const url = `${baseUrl}/slow/stories260K.gguf`;
    const slowDir = path.join(modelsDir, "slow");
    const pending = resolveModel({
      model: url,
      modelsDir: slowDir,
      onProgress: ({ downloadedBytes }) => {
        if (downloadedBytes > 0) controller.abort();
      },
      signal: controller.signal,
    });
    const error = await failure(pending);
    expect(error.code).toBe("aborted");
    expect(existsSync(path.join(slowDir, "stories260K.gguf"))).toBe(false);
  });

  it("reports a cancelled download as aborted", async () => {
    const controller = new AbortController();
    controller.abort();
    const error = await failure(resolveModel({ model: `${baseUrl}/files/other.gguf`, modelsDir, signal: controller.signal }));
    expect(error.code).toBe("aborted");
  });

  it("fails fast against the real Hugging Face (offline here; a missing repository where online)", async () => {
    const model = "hf:atelier-tests-no-such-user/no-such-model-GGUF:Q4_K_M";
    const error = await failure(resolveModel({ model, modelsDir, connectTimeoutMs: 5_000, signal: AbortSignal.timeout(15_000) }));
    expect(error.code).toBe("model_download_failed");
    expect(error.message).toContain(model);
    console.log(`real endpoint: ${error.message}`);
  }, 20_000);
});
