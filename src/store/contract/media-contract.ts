import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { KyselyStore } from "../kysely/kysely-store.js";
import { at, expectAtelierError, type OpenStore, uniqueId, useStore } from "./fixtures.js";

function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** Bytes no other test stores: a unique tail after NULs, high bytes and a PNG signature. */
function image(): Uint8Array {
  const head = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0xff, 0xfe, 0x00, 0x80, 0x7f];
  return Uint8Array.from([...head, ...new TextEncoder().encode(uniqueId("img")), 0x00, 0x00]);
}

export function describeMediaContract(open: OpenStore): void {
  describe("media", () => {
    const store = useStore(open);

    it("round-trips the bytes exactly, NUL and high bytes included", async () => {
      const bytes = image();
      const name = sha256(bytes);
      expect(await store().media.get(name)).toBeUndefined();
      await store().media.put({ sha256: name, mime: "image/png", bytes, now: at(1) });

      const stored = await store().media.get(name);
      expect(stored).toMatchObject({ mime: "image/png", createdAt: at(1) });
      expect(Buffer.from(stored!.bytes).equals(Buffer.from(bytes))).toBe(true);
      expect(stored!.bytes.byteLength).toBe(bytes.byteLength);
    });

    it("stores a view's own bytes, not its whole buffer", async () => {
      const whole = Uint8Array.from([1, 2, 3, ...image(), 4, 5]);
      const view = whole.subarray(3, whole.length - 2);
      await store().media.put({ sha256: sha256(view), mime: "image/webp", bytes: view, now: at(1) });
      expect(Buffer.from((await store().media.get(sha256(view)))!.bytes).equals(Buffer.from(view))).toBe(true);
    });

    it("stores the same image once, keeping the first write", async () => {
      const bytes = image();
      const name = sha256(bytes);
      await store().media.put({ sha256: name, mime: "image/png", bytes, now: at(1) });
      await store().media.put({ sha256: name, mime: "image/png", bytes: Uint8Array.from(bytes), now: at(2) });
      expect(await store().media.get(name)).toMatchObject({ mime: "image/png", createdAt: at(1) });
      if (store() instanceof KyselyStore) {
        const { db } = store() as KyselyStore;
        const rows = await db.selectFrom("media").select(["sha256", "size"]).where("sha256", "=", name).execute();
        expect(rows).toEqual([{ sha256: name, size: bytes.byteLength }]);
      }
    });

    it("refuses bytes filed under a name that is not their hash", async () => {
      const bytes = image();
      const wrong = sha256(image());
      await expectAtelierError(store().media.put({ sha256: wrong, mime: "image/png", bytes, now: at(1) }), "bad_request", /not the SHA-256/);
      expect(await store().media.get(wrong)).toBeUndefined();
    });
  });
}
