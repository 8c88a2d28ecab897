import { createReadStream, statSync } from "node:fs";
import { createServer } from "node:http";
import { testModelPath } from "./models.js";

export interface ModelHost {
  url: string;
  /** Ends every held download and stops listening. */
  close(): Promise<void>;
}

/**
 * A local stand-in for a model host, so the real downloader runs without a network:
 * /models/stories.gguf is the test model; /models/slow.gguf announces 10 MB, sends 1 kB and hangs.
 */
export async function startModelHost(): Promise<ModelHost> {
  const model = testModelPath();
  const held: Array<() => void> = [];
  const server = createServer((request, response) => {
    if (request.url === "/models/stories.gguf") {
      response.writeHead(200, { "content-type": "application/octet-stream", "content-length": statSync(model).size });
      createReadStream(model).pipe(response);
    } else if (request.url === "/models/slow.gguf") {
      response.writeHead(200, { "content-type": "application/octet-stream", "content-length": 10_000_000 });
      response.write(Buffer.alloc(1000));
      held.push(() => response.destroy());
    } else {
      response.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    async close() {
      for (const release of held) release();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
