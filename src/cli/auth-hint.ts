import { AtelierError } from "../contracts/index.js";

const HOW_TO_GET_A_KEY =
  "To get one, run `atelier user create --email you@example.com --role admin --api-key-name cli` where the server keeps " +
  "its data (it prints a key), or create one in the studio. Then pass --api-key <key> or set ATELIER_API_KEY.";

/**
 * The server's 401 speaks to any HTTP client ("send an Authorization header"); a CLI user needs to
 * hear which flag or variable to set and where a key comes from.
 */
export function explainUnauthorized(error: unknown, options: { apiKeyGiven: boolean }): unknown {
  if (!AtelierError.is(error, "unauthorized")) return error;
  const message = options.apiKeyGiven
    ? `The server refused the API key from --api-key or ATELIER_API_KEY: ${error.message} ${HOW_TO_GET_A_KEY}`
    : `This server needs an API key, and none was given. ${HOW_TO_GET_A_KEY}`;
  return new AtelierError("unauthorized", message, { cause: error });
}
