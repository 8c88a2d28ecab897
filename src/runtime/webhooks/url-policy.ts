import { lookup as dnsLookup, type LookupAddress, type LookupAllOptions, type LookupOneOptions } from "node:dns";
import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import { AtelierError } from "../../contracts/index.js";
import { isPrivateAddress } from "../../knowledge/fetch-url.js";

/*
 * Webhooks make the server send requests where an owner says: without a check, an owner could make
 * it call into its own network (admin panels, cloud metadata). URLs are checked when saved, for a
 * clear error, and again on every connection, on the address actually connected to, so a name that
 * later resolves somewhere private (DNS rebinding) is refused too.
 */

const PRIVATE_HINT = "Use a public address (an operator can allow private ones with webhooks.allowPrivateUrls).";

function hostOf(url: URL): string {
  return url.hostname.replace(/^\[|\]$/g, "");
}

/** Refuses a URL that is not http(s), or (unless allowed) whose host is or resolves to a private address. */
export async function checkWebhookUrl(raw: string, options: { allowPrivate: boolean }): Promise<URL> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new AtelierError("bad_request", `${raw} is not a URL. Use an address like https://example.com/hooks/atelier.`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new AtelierError("bad_request", `${raw} is not an http(s) URL.`);
  if (url.username || url.password) throw new AtelierError("bad_request", "Put no user name or password in the webhook URL: deliveries are signed instead (see the signing secret).");
  if (options.allowPrivate) return url;
  const host = hostOf(url);
  const addresses = isIP(host) ? [host] : (await lookup(host, { all: true }).catch((error: unknown) => {
    throw new AtelierError("bad_request", `Could not find the host ${host}. Check the webhook URL.`, { cause: error });
  })).map((entry) => entry.address);
  if (addresses.some(isPrivateAddress)) {
    throw new AtelierError("bad_request", `${url.href} points into a private network (loopback, LAN or link-local), where this server does not send webhooks. ${PRIVATE_HINT}`);
  }
  return url;
}

/** Refuses an IP-literal host at send time (literals skip the lookup below). */
export function refusePrivateLiteral(url: URL): void {
  const host = hostOf(url);
  if (isIP(host) && isPrivateAddress(host)) {
    throw new AtelierError("bad_request", `${url.href} points into a private network. ${PRIVATE_HINT}`);
  }
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/** A `lookup` for node:http that fails when a name resolves to any private address. */
export function publicOnlyLookup(hostname: string, options: LookupOneOptions | LookupAllOptions, callback: LookupCallback): void {
  dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
    if (error) return callback(error, []);
    const blocked = addresses.find((entry) => isPrivateAddress(entry.address));
    if (blocked) {
      const refused: NodeJS.ErrnoException = new Error(`${hostname} resolves to the private address ${blocked.address}. ${PRIVATE_HINT}`);
      refused.code = "EPRIVATE";
      return callback(refused, []);
    }
    const [first] = addresses;
    if (!first) return callback(Object.assign(new Error(`${hostname} has no address.`), { code: "ENOTFOUND" }), []);
    if ((options as LookupAllOptions).all) callback(null, addresses);
    else callback(null, first.address, first.family);
  });
}
