import { randomBytes } from "node:crypto";
import type { ApiKey, ApiKeyScope } from "../../contracts/index.js";
import type { ApiKeyRepository } from "../../store/accounts.js";
import { hashToken } from "./tokens.js";

export interface MintedApiKey {
  id: string;
  /** `atk_<id>_<secret>`: shown to the user once; only `tokenHash` is stored. */
  token: string;
  /** The first characters of the token, stored to tell keys apart in lists. */
  prefix: string;
  tokenHash: string;
}

const TOKEN = /^atk_([a-z0-9]{16})_([A-Za-z0-9_-]{43})$/;

export function mintApiKey(): MintedApiKey {
  const id = randomBytes(8).toString("hex");
  const token = `atk_${id}_${randomBytes(32).toString("base64url")}`;
  return { id: `key_${id}`, token, prefix: token.slice(0, 12), tokenHash: hashToken(token) };
}

/** The key id inside a token, or undefined when the text is not an API key's shape. */
export function apiKeyIdOf(token: string): string | undefined {
  const match = TOKEN.exec(token);
  return match ? `key_${match[1]}` : undefined;
}

/** Mints a key and stores it (only its hash): the one way keys come to exist, whoever asks for one. */
export async function issueApiKey(
  repository: ApiKeyRepository,
  input: { userId: string; name: string; scopes: readonly ApiKeyScope[]; agentIds?: readonly string[] | null; now: string; expiresAt: string | null },
): Promise<{ key: ApiKey; token: string }> {
  const minted = mintApiKey();
  const key = await repository.create({
    id: minted.id,
    userId: input.userId,
    name: input.name,
    prefix: minted.prefix,
    tokenHash: minted.tokenHash,
    scopes: [...new Set(input.scopes)],
    agentIds: input.agentIds ? [...new Set(input.agentIds)] : null,
    now: input.now,
    expiresAt: input.expiresAt,
  });
  return { key, token: minted.token };
}
