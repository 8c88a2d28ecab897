import type { EmbeddingEngine } from "../../engine/embedding-engine.js";
import { silentLogger as silent } from "../../runtime/logger.js";
import type { Store } from "../../store/store.js";
import { Indexer } from "../indexer.js";
import { KnowledgeService, type IncomingFile } from "../knowledge-service.js";
import { waitForIndexing } from "./wait-for-indexing.js";


/** The knowledge service and its indexer over a store, as the server wires them (no network). */
export function knowledgeHarness(store: Store, options: { embedder?: EmbeddingEngine; chunkTokens?: number } = {}) {
  const embedder = async () => options.embedder;
  const indexer = new Indexer({
    repository: store.knowledge,
    embedder,
    chunking: { chunkTokens: options.chunkTokens ?? 256, overlapTokens: 32 },
    workers: 1,
    ownsAllLeases: true,
    logger: silent,
  });
  const service = new KnowledgeService({ repository: store.knowledge, indexer, embedder, limits: { maxFileBytes: 10_000_000, allowPrivateUrls: false }, logger: silent });
  let started: Promise<void> | undefined;
  return {
    service,
    indexer,
    /** Adds the files and waits until every source of the agent is ready or failed. */
    async add(agentId: string, files: ReadonlyArray<{ name: string; text: string }>): Promise<void> {
      started ??= indexer.start();
      await started;
      const incoming: IncomingFile[] = files.map((file) => ({ name: file.name, bytes: new TextEncoder().encode(file.text) }));
      await service.addFiles(agentId, incoming);
      await waitForIndexing(() => service.list(agentId), { intervalMs: 10 });
    },
  };
}
