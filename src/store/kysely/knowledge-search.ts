import { sql, type Kysely, type Transaction } from "kysely";
import type { RankedChunk } from "../knowledge.js";
import type { SchemaDialect } from "../migrations/schema-dialect.js";
import type { Database } from "./database.js";

type Db = Kysely<Database> | Transaction<Database>;

export interface SavedVectors {
  agentId: string;
  model: string;
  vectors: ReadonlyArray<{ seq: number; vector: Float32Array }>;
}

/** The search queries SQL cannot spell portably. */
export interface KnowledgeSearchDialect {
  lexical(db: Db, input: { agentId: string; terms: readonly string[]; limit: number }): Promise<RankedChunk[]>;
  vectors(db: Db, input: { agentId: string; model: string; vector: Float32Array; limit: number }): Promise<RankedChunk[]>;
  saveVectors(trx: Transaction<Database>, input: SavedVectors): Promise<void>;
}

export function knowledgeSearchFor(dialect: SchemaDialect): KnowledgeSearchDialect {
  return dialect === "postgres" ? postgresSearch : sqliteSearch;
}

/**
 * Vector search runs in two steps: a coarse scan over one sign bit per dimension (Hamming distance,
 * 32× less data than float32) picks candidates, then their exact float vectors are re-scored by
 * cosine. On 100k chunks of 384 dimensions sqlite-vec's exact float scan took ~80 ms here, the bit
 * scan ~7 ms; asking for a few times more candidates than wanted keeps what the coarse step misses small.
 */
export function candidatesFor(limit: number): number {
  return Math.min(64, Math.max(24, limit * 3));
}

/** One sign bit per dimension, most significant bit first (sqlite-vec's bit vector layout). */
export function signBits(vector: Float32Array): Uint8Array {
  const bytes = new Uint8Array(Math.ceil(vector.length / 8));
  for (let index = 0; index < vector.length; index++) {
    if ((vector[index] ?? 0) > 0) bytes[index >> 3]! |= 0x80 >> (index & 7);
  }
  return bytes;
}

/** Buffers, not bare Uint8Arrays: what both drivers bind as a blob / bytea. */
function toBlob(vector: Float32Array): Buffer {
  return Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength);
}

function fromBlob(blob: Uint8Array): Float32Array {
  // Copied: a database buffer need not be 4-byte aligned.
  const copy = new Uint8Array(blob.byteLength);
  copy.set(blob);
  return new Float32Array(copy.buffer);
}

/** Exact cosine (the vectors are unit length) for the candidates, best first. */
async function rescore(db: Db, input: { model: string; vector: Float32Array; limit: number }, seqs: readonly number[]): Promise<RankedChunk[]> {
  if (seqs.length === 0) return [];
  const rows = await db.selectFrom("knowledge_embeddings").select(["chunk_seq", "vector"])
    .where("chunk_seq", "in", [...seqs]).where("model", "=", input.model).execute();
  const query = input.vector;
  const ranked = rows.map((row) => {
    const vector = fromBlob(row.vector);
    let dot = 0;
    const length = Math.min(vector.length, query.length);
    for (let index = 0; index < length; index++) dot += vector[index]! * query[index]!;
    return { seq: row.chunk_seq, score: dot };
  });
  return ranked.sort((a, b) => b.score - a.score).slice(0, input.limit);
}

/** A chunk keeps one vector: the previous model's goes (and, by trigger, its bit vector). */
async function dropVectors(trx: Transaction<Database>, input: SavedVectors): Promise<void> {
  await trx.deleteFrom("knowledge_embeddings").where("chunk_seq", "in", input.vectors.map((item) => item.seq)).execute();
}

/** FTS5 phrase syntax: every term quoted, so none is read as an operator or column filter. */
function ftsQuery(terms: readonly string[]): string {
  return terms.map((term) => `"${term.replaceAll('"', '""')}"`).join(" OR ");
}

/** The most matching chunks one lexical search scores; see `selectTerms`. */
export const MAX_SCORED_CHUNKS = 2_000;

/**
 * FTS5 scores every chunk that matches before it can rank: a question with a common word (in a
 * third of 100k chunks) cost ~130 ms here. So each term's chunks are counted first, stopping at
 * MAX_SCORED_CHUNKS; terms that match that many or more are left out while rarer ones together stay
 * within it (rarest first: BM25 weighs a common term little anyway), and at most that many matches
 * are scored. Specific questions rank exactly; a question of common words alone ranks a sample of
 * the matches of its rarest word (`frequencies` holds estimates for terms past the count's stop).
 */
export function selectTerms(terms: readonly string[], frequencies: ReadonlyMap<string, number>): string[] {
  const ranked = terms.map((term) => ({ term, chunks: frequencies.get(term) ?? 0 })).filter((entry) => entry.chunks > 0).sort((a, b) => a.chunks - b.chunks);
  const chosen: string[] = [];
  let covered = 0;
  for (const entry of ranked) {
    if (chosen.length > 0 && covered + entry.chunks > MAX_SCORED_CHUNKS) break;
    chosen.push(entry.term);
    covered += entry.chunks;
  }
  return chosen;
}

/**
 * How many chunks a term matches, from a count that stopped after `counted` matches at rowid
 * `lastSeq`, with seqs running up to `topSeq`. Below the stop the count is exact; past it, the
 * density of the matches counted is extrapolated, so that common terms still sort rarest first.
 * With the bare count they all looked alike and a question of common words alone scored whichever
 * came first, often a word in nearly every chunk: BM25 gives such a word almost no weight, and
 * FTS5 reads its every match to weigh it (~9 ms for a word in all of 110k chunks).
 */
export function estimateMatches(counted: number, lastSeq: number | null, topSeq: number | null): number {
  if (counted <= MAX_SCORED_CHUNKS || !lastSeq || !topSeq) return counted;
  return Math.max(counted, (counted * topSeq) / lastSeq);
}

const sqliteSearch: KnowledgeSearchDialect = {
  async lexical(db, input) {
    if (input.terms.length === 0) return [];
    // The agent's lowest and highest seq (two index probes) bound the scan below: matches outside
    // them are another agent's, which FTS5 then skips instead of each being looked up and dropped.
    const bounds = await sql<{ low: number | null; high: number | null; top: number | null }>`
      select (select min(seq) from knowledge_chunks where agent_id = ${input.agentId}) as low,
        (select max(seq) from knowledge_chunks where agent_id = ${input.agentId}) as high,
        (select max(seq) from knowledge_chunks) as top`.execute(db);
    const { low, high, top } = bounds.rows[0] ?? { low: null, high: null, top: null };
    if (low === null || high === null) return [];
    // Every term counted in one statement: count and last rowid of its first MAX_SCORED_CHUNKS + 1 matches.
    const counts = await sql<{ term: number; chunks: number; last: number | null }>`${sql.join(input.terms.map((term, index) => sql`
      select ${index} as term, count(*) as chunks, max(rowid) as last
      from (select rowid from knowledge_fts where knowledge_fts match ${ftsQuery([term])} limit ${MAX_SCORED_CHUNKS + 1})`), sql` union all `)}`.execute(db);
    const frequencies = new Map<string, number>();
    for (const row of counts.rows) {
      const term = input.terms[Number(row.term)];
      if (term !== undefined) frequencies.set(term, estimateMatches(Number(row.chunks), row.last === null ? null : Number(row.last), top === null ? null : Number(top)));
    }
    const terms = selectTerms(input.terms, frequencies);
    if (terms.length === 0) return [];
    // bm25() is lower-is-better; the title and heading weigh more than body text. CROSS JOIN keeps
    // FTS5 the outer loop: given the seq range, the planner would rather walk the agent's chunks
    // and ask FTS5 about each. Whose chunk a match is comes from the (agent_id, seq) index, not the
    // chunk rows: matches arrive in seq order, so probes walk its leaves in order, and it is a
    // fraction of the rows' pages (~2 ms of ~7 for 1,300 matches at 100k chunks).
    const { rows } = await sql<{ seq: number; score: number }>`
      select m.seq as seq, -m.rank as score from (
        select knowledge_fts.rowid as seq, bm25(knowledge_fts, 3.0, 2.0, 1.0) as rank
        from knowledge_fts cross join knowledge_chunks c indexed by knowledge_chunks_agent
          on c.agent_id = ${input.agentId} and c.seq = knowledge_fts.rowid
        where knowledge_fts match ${ftsQuery(terms)} and knowledge_fts.rowid between ${low} and ${high}
        limit ${MAX_SCORED_CHUNKS}
      ) m order by m.rank limit ${input.limit}`.execute(db);
    return rows;
  },

  async vectors(db, input) {
    const table = vecTable(input.vector.length);
    const exists = await sql<{ name: string }>`select name from sqlite_schema where name = ${table}`.execute(db);
    if (exists.rows.length === 0) return [];
    const { rows } = await sql<{ seq: number }>`
      select rowid as seq from ${sql.table(table)}
      where embedding match vec_bit(${Buffer.from(signBits(input.vector))}) and k = ${candidatesFor(input.limit)} and agent_id = ${input.agentId}`.execute(db);
    return rescore(db, input, rows.map((row) => Number(row.seq)));
  },

  async saveVectors(trx, input) {
    const first = input.vectors[0];
    if (!first) return;
    const dimensions = first.vector.length;
    await ensureVecTable(trx, dimensions);
    await dropVectors(trx, input);
    await trx.insertInto("knowledge_embeddings").values(input.vectors.map((item) => ({
      chunk_seq: item.seq,
      agent_id: input.agentId,
      model: input.model,
      dimensions: item.vector.length,
      vector: toBlob(item.vector),
    }))).execute();
    const table = sql.table(vecTable(dimensions));
    for (const item of input.vectors) {
      await sql`insert into ${table} (rowid, agent_id, embedding) values (${BigInt(item.seq)}, ${input.agentId}, vec_bit(${Buffer.from(signBits(item.vector))}))`.execute(trx);
    }
  },
};

function vecTable(dimensions: number): string {
  return `knowledge_vec_${dimensions}`;
}

/** One vec0 table per vector size (vec0 columns have a fixed size); a trigger drops bits with their vector. */
async function ensureVecTable(trx: Transaction<Database>, dimensions: number): Promise<void> {
  if (!Number.isInteger(dimensions) || dimensions < 1 || dimensions > 16_384) throw new Error(`Unusable vector size ${dimensions}.`);
  const name = vecTable(dimensions);
  const bits = Math.ceil(dimensions / 8) * 8;
  await sql.raw(`create virtual table if not exists ${name} using vec0(agent_id text partition key, embedding bit[${bits}])`).execute(trx);
  await sql.raw(`create trigger if not exists ${name}_delete after delete on knowledge_embeddings when old.dimensions = ${dimensions} begin
    delete from ${name} where rowid = old.chunk_seq;
  end`).execute(trx);
}

/** to_tsquery syntax: letters and digits only, joined with OR. */
function tsQuery(terms: readonly string[]): string {
  return terms.map((term) => term.replace(/[^\p{L}\p{N}]+/gu, "")).filter((term) => term.length > 0).join(" | ");
}

/** A bit-string literal's text ("0101…"), padded to whole bytes like sqlite-vec's. */
function bitText(vector: Float32Array): string {
  let text = "";
  for (const byte of signBits(vector)) text += byte.toString(2).padStart(8, "0");
  return text;
}

const postgresSearch: KnowledgeSearchDialect = {
  async lexical(db, input) {
    const query = tsQuery(input.terms);
    if (query === "") return [];
    const { rows } = await sql<{ seq: number; score: number }>`
      select c.seq as seq, ts_rank_cd(c.tsv, q, 1) as score
      from knowledge_chunks c, to_tsquery('english', ${query}) q
      where c.agent_id = ${input.agentId} and c.tsv @@ q
      order by score desc, c.seq limit ${input.limit}`.execute(db);
    return rows.map((row) => ({ seq: Number(row.seq), score: Number(row.score) }));
  },

  async vectors(db, input) {
    // No pgvector on every server: bit_count over XOR is PostgreSQL's own (14+) Hamming distance.
    const { rows } = await sql<{ seq: number }>`
      select chunk_seq as seq from knowledge_embeddings
      where agent_id = ${input.agentId} and model = ${input.model} and length(bits) = ${Math.ceil(input.vector.length / 8) * 8}
      order by bit_count(bits # ${bitText(input.vector)}::bit varying), chunk_seq
      limit ${candidatesFor(input.limit)}`.execute(db);
    return rescore(db, input, rows.map((row) => Number(row.seq)));
  },

  async saveVectors(trx, input) {
    if (input.vectors.length === 0) return;
    await dropVectors(trx, input);
    for (const item of input.vectors) {
      await sql`insert into knowledge_embeddings (chunk_seq, agent_id, model, dimensions, vector, bits)
        values (${item.seq}, ${input.agentId}, ${input.model}, ${item.vector.length}, ${toBlob(item.vector)}, ${bitText(item.vector)}::bit varying)`.execute(trx);
    }
  },
};
