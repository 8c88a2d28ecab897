/**
 * Images (agent avatars), content-addressed: the name is the bytes' sha256, so the same image is
 * stored once and a URL never changes meaning (served with immutable caching at /media/<sha256>.<ext>).
 */
export interface MediaRepository {
  /** Stores the bytes unless already there. */
  put(input: { sha256: string; mime: string; bytes: Uint8Array; now: string }): Promise<void>;
  get(sha256: string): Promise<{ mime: string; bytes: Uint8Array; createdAt: string } | undefined>;
}
