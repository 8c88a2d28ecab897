import { randomBytes } from "node:crypto";

/** Prefixed, roughly time-ordered ids (`agt_…`, `cnv_…`, `msg_…`): readable in logs and URLs. */
export function newId(prefix: "agt" | "cnv" | "msg" | "usr" | "ses" | "key" | "vis" | "inv" | "aud" | "dl" | "src" | "chk" | "whk" | "dlv" | "evt" | "lor" | "mem" | "sum"): string {
  return `${prefix}_${Date.now().toString(36).padStart(9, "0")}${randomBytes(8).toString("hex")}`;
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
