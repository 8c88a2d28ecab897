import { randomBytes } from "node:crypto";

/** Random bytes for ids drawn 4 KiB at a time, as randomUUID does: one call into the system's generator per 512 ids. */
const RANDOM_POOL_BYTES = 4096;
let randomPool = Buffer.alloc(0);
let randomOffset = 0;

function randomHex8(): string {
  if (randomOffset + 8 > randomPool.length) {
    randomPool = randomBytes(RANDOM_POOL_BYTES);
    randomOffset = 0;
  }
  const hex = randomPool.toString("hex", randomOffset, randomOffset + 8);
  randomOffset += 8;
  return hex;
}

/** Prefixed, roughly time-ordered ids (`agt_…`, `cnv_…`, `msg_…`): readable in logs and URLs. */
export function newId(prefix: "agt" | "cnv" | "msg" | "usr" | "ses" | "key" | "vis" | "inv" | "aud" | "dl" | "src" | "chk" | "whk" | "dlv" | "evt" | "lor" | "mem" | "sum"): string {
  return `${prefix}_${Date.now().toString(36).padStart(9, "0")}${randomHex8()}`;
}

/** A URL-safe handle from a display name ("Chef Béa!" -> "chef-bea"). */
export function slugify(name: string): string {
  const slug = name
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 40)
    .replace(/-+$/g, "");
  return slug || "agent";
}
