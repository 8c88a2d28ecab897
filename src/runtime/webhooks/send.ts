import http from "node:http";
import https from "node:https";
import { AtelierError } from "../../contracts/index.js";
import { publicOnlyLookup, refusePrivateLiteral } from "./url-policy.js";

export interface SendInput {
  url: string;
  body: string;
  headers: Record<string, string>;
  timeoutMs: number;
  allowPrivate: boolean;
  /** Aborts the attempt (shutdown): the promise rejects with an `aborted` error, not a result. */
  signal: AbortSignal;
}

/** What one attempt came to: the receiver's status, or why there was none. */
export type SendResult = { status: number } | { status: null; error: string };

export type WebhookSender = (input: SendInput) => Promise<SendResult>;

/**
 * POSTs one delivery. Redirects are not followed (a 3xx is a failed attempt: receivers give their
 * final URL), the body of the answer is not kept, and the connection closes after.
 */
export const sendWebhook: WebhookSender = (input) => {
  const url = new URL(input.url);
  try {
    if (!input.allowPrivate) refusePrivateLiteral(url);
  } catch (error) {
    return Promise.resolve({ status: null, error: (error as Error).message });
  }
  const timeout = AbortSignal.timeout(input.timeoutMs);
  const signal = AbortSignal.any([timeout, input.signal]);
  const client = url.protocol === "https:" ? https : http;
  return new Promise<SendResult>((resolve, reject) => {
    const request = client.request(url, {
      method: "POST",
      agent: false,
      signal,
      headers: { ...input.headers, "content-length": String(Buffer.byteLength(input.body)) },
      ...(input.allowPrivate ? {} : { lookup: publicOnlyLookup }),
    }, (response) => {
      // The status is the answer; the rest drains in the background, still bounded by the timeout.
      response.on("error", () => undefined);
      response.resume();
      resolve({ status: response.statusCode ?? 0 });
    });
    request.on("error", (error: NodeJS.ErrnoException) => {
      if (input.signal.aborted) return reject(new AtelierError("aborted", "The server is shutting down.", { cause: error }));
      if (timeout.aborted) return resolve({ status: null, error: `No answer within ${input.timeoutMs} ms.` });
      resolve({ status: null, error: describeNetworkError(error, url) });
    });
    request.end(input.body);
  });
};

function describeNetworkError(error: NodeJS.ErrnoException, url: URL): string {
  switch (error.code) {
    case "ECONNREFUSED": return `Connection refused by ${url.host}.`;
    case "ENOTFOUND": case "EAI_AGAIN": return `Could not find the host ${url.hostname}.`;
    case "ECONNRESET": return `${url.host} closed the connection.`;
    case "EPRIVATE": return error.message;
    default: return `Could not reach ${url.host}: ${error.message}`;
  }
}
