import type { Readable } from "node:stream";
import { AtelierError } from "../contracts/index.js";

/**
 * Reads a secret piped on stdin (`printf '%s' "$PASSWORD" | atelier …`), dropping one trailing
 * newline so `echo` works too. A terminal is refused rather than read: the secret would show on
 * screen as it is typed.
 */
export async function readPipedSecret(options: { stdin: Readable & { isTTY?: boolean }; flag: string }): Promise<string> {
  const { stdin, flag } = options;
  if (stdin.isTTY) {
    throw new AtelierError(
      "bad_request",
      `${flag} reads a password piped on stdin, e.g. printf '%s' "$PASSWORD" | atelier … ${flag}. ` +
        `Leave ${flag} out to get a generated password instead.`,
    );
  }
  const chunks: Buffer[] = [];
  for await (const chunk of stdin) chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : (chunk as Buffer));
  const secret = Buffer.concat(chunks).toString("utf8").replace(/\r?\n$/, "");
  if (secret === "") throw new AtelierError("bad_request", `${flag} was given but nothing arrived on stdin. Pipe the password in, or leave ${flag} out to get a generated one.`);
  return secret;
}
