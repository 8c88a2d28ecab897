import { createHash } from "node:crypto";
import { AtelierError } from "../../contracts/index.js";
import type { MediaRepository } from "../media.js";
import type { StoreContext } from "./store-context.js";

/** MediaRepository over any Kysely dialect: bytes in a blob (SQLite) or bytea (PostgreSQL) column. */
export class KyselyMediaRepository implements MediaRepository {
  readonly #context: StoreContext;

  constructor(context: StoreContext) {
    this.#context = context;
  }

  async put(input: { sha256: string; mime: string; bytes: Uint8Array; now: string }): Promise<void> {
    const actual = createHash("sha256").update(input.bytes).digest("hex");
    if (actual !== input.sha256) {
      // A wrong name would make a URL that promises immutability point at other bytes.
      throw new AtelierError("bad_request", `The media name "${input.sha256}" is not the SHA-256 of its bytes (${actual}); store it under its hash.`);
    }
    // The name is the content's hash, so a row already there holds these very bytes: keep it (and its createdAt).
    await this.#context.db.insertInto("media")
      .values({
        sha256: input.sha256,
        mime: input.mime,
        bytes: Buffer.from(input.bytes.buffer, input.bytes.byteOffset, input.bytes.byteLength),
        size: input.bytes.byteLength,
        created_at: input.now,
      })
      .onConflict((conflict) => conflict.column("sha256").doNothing())
      .execute();
  }

  async get(sha256: string): Promise<{ mime: string; bytes: Uint8Array; createdAt: string } | undefined> {
    const row = await this.#context.db.selectFrom("media").select(["mime", "bytes", "created_at"]).where("sha256", "=", sha256).executeTakeFirst();
    return row && { mime: row.mime, bytes: row.bytes, createdAt: row.created_at };
  }
}
