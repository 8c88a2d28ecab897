import { lookup } from "node:dns/promises";
import { BlockList, isIP } from "node:net";
import { AtelierError, type DocumentFormat } from "../contracts/index.js";
import { detectFormat } from "./parse/index.js";

const MAX_REDIRECTS = 5;
const TIMEOUT_MS = 30_000;

/** Addresses a server-side fetch must not reach unless the operator allows it: the server's own network. */
const PRIVATE = new BlockList();
for (const [network, prefix] of [["0.0.0.0", 8], ["10.0.0.0", 8], ["100.64.0.0", 10], ["127.0.0.0", 8], ["169.254.0.0", 16], ["172.16.0.0", 12], ["192.168.0.0", 16], ["198.18.0.0", 15], ["224.0.0.0", 4], ["240.0.0.0", 4]] as const) {
  PRIVATE.addSubnet(network, prefix, "ipv4");
}
for (const [network, prefix] of [["::", 128], ["::1", 128], ["fc00::", 7], ["fe80::", 10], ["ff00::", 8]] as const) {
  PRIVATE.addSubnet(network, prefix, "ipv6");
}

export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return PRIVATE.check(address, "ipv4");
  if (family !== 6) return true;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return mapped ? PRIVATE.check(mapped[1]!, "ipv4") : PRIVATE.check(address, "ipv6");
}

export interface FetchedDocument {
  url: string;
  format: DocumentFormat;
  bytes: Uint8Array;
}

/**
 * Downloads a page or file for ingestion: http(s) only, redirects followed by hand so each hop is
 * checked, private addresses refused unless allowed, at most `maxBytes` read.
 */
export async function fetchDocument(options: { url: string; maxBytes: number; allowPrivate: boolean; signal?: AbortSignal; fetch?: typeof fetch }): Promise<FetchedDocument> {
  const doFetch = options.fetch ?? fetch;
  const signal = AbortSignal.any([AbortSignal.timeout(TIMEOUT_MS), ...(options.signal ? [options.signal] : [])]);
  let url = new URL(options.url);
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    if (url.protocol !== "http:" && url.protocol !== "https:") throw new AtelierError("bad_request", `${url.href} is not an http(s) URL.`);
    if (!options.allowPrivate) await refusePrivate(url);
    let response: Response;
    try {
      response = await doFetch(url, { redirect: "manual", signal, headers: { accept: "text/html, text/plain, text/markdown, application/pdf, application/json, text/csv, */*;q=0.5", "user-agent": "Atelier knowledge fetcher" } });
    } catch (error) {
      throw new AtelierError("bad_request", `Could not fetch ${url.href}: ${signal.aborted ? "it took too long" : (error as Error).message}. Check the address, or download the file and upload it.`, { cause: error });
    }
    const location = response.headers.get("location");
    if (response.status >= 300 && response.status < 400 && location) {
      url = new URL(location, url);
      continue;
    }
    if (!response.ok) throw new AtelierError("bad_request", `${url.href} answered ${response.status} ${response.statusText}. Check the address.`);
    const mediaType = response.headers.get("content-type")?.split(";")[0]?.trim().toLowerCase();
    const format = detectFormat({ name: url.pathname, mediaType }) ?? (mediaType ? undefined : "html");
    if (!format) {
      throw new AtelierError("unsupported_media_type", `${url.href} is ${mediaType ?? "of an unknown type"}, which cannot be read as knowledge. Supported: web pages, text, Markdown, PDF, DOCX, CSV and JSON.`);
    }
    return { url: url.href, format, bytes: await readLimited(response, options.maxBytes, url.href) };
  }
  throw new AtelierError("bad_request", `${options.url} redirects more than ${MAX_REDIRECTS} times.`);
}

async function refusePrivate(url: URL): Promise<void> {
  const host = url.hostname.replace(/^\[|\]$/g, "");
  const addresses = isIP(host) ? [host] : (await lookup(host, { all: true }).catch((error: unknown) => {
    throw new AtelierError("bad_request", `Could not find the host ${host}. Check the address.`, { cause: error });
  })).map((entry) => entry.address);
  if (addresses.some(isPrivateAddress)) {
    throw new AtelierError("bad_request", `${url.href} points into a private network, which this server does not fetch from. Upload the file instead (or an operator can set knowledge.allowPrivateUrls).`);
  }
}

async function readLimited(response: Response, maxBytes: number, what: string): Promise<Uint8Array> {
  const declared = Number(response.headers.get("content-length") ?? 0);
  const tooLarge = () => new AtelierError("payload_too_large", `${what} is larger than ${maxBytes} bytes, the most this server takes.`);
  if (declared > maxBytes) throw tooLarge();
  const parts: Uint8Array[] = [];
  let total = 0;
  const reader = response.body?.getReader();
  for (;;) {
    const next = await reader?.read();
    if (!next || next.done) break;
    total += next.value.byteLength;
    if (total > maxBytes) {
      await reader?.cancel().catch(() => undefined);
      throw tooLarge();
    }
    parts.push(next.value);
  }
  return Buffer.concat(parts);
}
