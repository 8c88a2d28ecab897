// Child process for crash-durability.test.ts: appends messages the way the store does (one
// BEGIN IMMEDIATE transaction each, WAL, synchronous=FULL) and prints each id once its commit
// returned. The test kills it with SIGKILL mid-loop. Plain better-sqlite3, so it needs no build.
import { createRequire } from "node:module";

const [moduleName, file, conversationId] = process.argv.slice(2);
const Database = createRequire(import.meta.url)(moduleName);
const db = new Database(file);
db.pragma("busy_timeout = 5000");
db.pragma("journal_mode = WAL");
db.pragma("synchronous = FULL");
db.pragma("foreign_keys = ON");

const bump = db.prepare("update conversations set updated_at = ? where id = ?");
const last = db.prepare("select coalesce(max(seq), 0) from messages where conversation_id = ?").pluck();
const insert = db.prepare(
  "insert into messages (id, conversation_id, seq, role, content, status, created_at) values (?, ?, ?, 'user', ?, 'complete', ?)",
);
const append = db.transaction((id) => {
  const now = new Date().toISOString();
  bump.run(now, conversationId);
  insert.run(id, conversationId, last.get(conversationId) + 1, `${id} `.repeat(200), now);
});

for (let index = 0; ; index++) {
  const id = `msg_crash_${String(index).padStart(6, "0")}`;
  append.immediate(id);
  process.stdout.write(`${id}\n`); // synchronous on a pipe (Linux, macOS): printed means committed
}
