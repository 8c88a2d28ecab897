import { AtelierError } from "../../contracts/index.js";

/** Where a connection URL points, as `host:port/database`: never the user name or the password. */
export interface PostgresTarget {
  /** `host:port/database`, for messages and logs. */
  where: string;
  /** The password in the URL, to scrub from any text shown to a person ("" when there is none). */
  password: string;
}

/**
 * Reads a postgres:// URL before pg does, so that a malformed one is reported without echoing it:
 * Node's URL errors carry the whole input, password included.
 */
export function parsePostgresUrl(connectionString: string): PostgresTarget {
  let url: URL;
  try {
    url = new URL(connectionString);
  } catch {
    throw new AtelierError("bad_request", "The PostgreSQL URL (ATELIER_DATABASE_URL) is not a valid URL; expected postgres://user:password@host:5432/database.");
  }
  if (!/^postgres(ql)?:$/i.test(url.protocol)) {
    throw new AtelierError("bad_request", `The PostgreSQL URL (ATELIER_DATABASE_URL) must start with postgres:// or postgresql://, not ${url.protocol}//.`);
  }
  // pg reads a Unix socket folder from ?host= and the database from the path, defaulting as libpq does.
  const host = url.searchParams.get("host") ?? (url.hostname || "localhost");
  const port = url.port || url.searchParams.get("port") || "5432";
  const database = safeDecode(url.pathname.slice(1)) || "(the user's default database)";
  return { where: `${host}:${port}/${database}`, password: safeDecode(url.password) };
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
