import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fetchDocument, isPrivateAddress } from "./fetch-url.js";

describe("isPrivateAddress", () => {
  it("refuses loopback, private, link-local and mapped addresses, and allows public ones", () => {
    for (const address of ["127.0.0.1", "10.1.2.3", "172.20.0.1", "192.168.1.1", "169.254.169.254", "::1", "fd00::1", "fe80::1", "::ffff:127.0.0.1", "0.0.0.0"]) {
      expect(isPrivateAddress(address), address).toBe(true);
    }
    for (const address of ["93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946", "::ffff:8.8.8.8"]) expect(isPrivateAddress(address), address).toBe(false);
  });
});

describe("fetchDocument", () => {
  let base = "";
  const server = createServer((request, response) => {
    if (request.url === "/redirect") response.writeHead(302, { location: "/page.md" }).end();
    else if (request.url === "/page.md") response.writeHead(200, { "content-type": "text/markdown" }).end("# Hi");
    else if (request.url === "/big") response.writeHead(200, { "content-type": "text/plain" }).end("x".repeat(5000));
    else if (request.url === "/zip") response.writeHead(200, { "content-type": "application/zip" }).end("PK");
    else response.writeHead(404).end();
  });
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  it("refuses the server's own network unless allowed", async () => {
    await expect(fetchDocument({ url: `${base}/page.md`, maxBytes: 1000, allowPrivate: false })).rejects.toMatchObject({ code: "bad_request", message: expect.stringContaining("private network") });
  });

  it("follows redirects, detects the format, and stops at the size limit", async () => {
    const fetched = await fetchDocument({ url: `${base}/redirect`, maxBytes: 1000, allowPrivate: true });
    expect(fetched).toMatchObject({ url: `${base}/page.md`, format: "markdown" });
    expect(new TextDecoder().decode(fetched.bytes)).toBe("# Hi");
    await expect(fetchDocument({ url: `${base}/big`, maxBytes: 1000, allowPrivate: true })).rejects.toMatchObject({ code: "payload_too_large" });
    await expect(fetchDocument({ url: `${base}/zip`, maxBytes: 1000, allowPrivate: true })).rejects.toMatchObject({ code: "unsupported_media_type" });
    await expect(fetchDocument({ url: `${base}/missing`, maxBytes: 1000, allowPrivate: true })).rejects.toMatchObject({ code: "bad_request" });
  });
});
