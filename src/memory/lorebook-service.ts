import { AtelierError, LOREBOOK_MAX_ENTRIES, LorebookContent, parseWith, type Lorebook, type LorebookTest, type LorebookTestResult, type PutLorebook } from "../contracts/index.js";
import { newId } from "../runtime/ids.js";
import type { Store } from "../store/store.js";
import { regexProblems, selectLore, type LoreSelection } from "./lorebook.js";

type CountTokens = (text: string) => number | Promise<number>;

/**
 * How long a lorebook read for a turn is trusted before it is read again. Edits made through this
 * process replace the cached copy at once; an edit made by another process (a second server on the
 * same database) reaches this one's turns within this time.
 */
export const LOREBOOK_CACHE_MS = 5_000;
/** Agents whose lorebook is kept parsed in memory; the least recently used is dropped first. */
const CACHE_SIZE = 500;

interface CachedBook {
  book: Lorebook;
  /** Whether any entry can fire: an agent with none gets no lore work per turn. */
  active: boolean;
  readAt: number;
}

/** An agent's lorebook: editing it as one document, importing into it, and choosing its entries for a turn. */
export class LorebookService {
  readonly #store: Pick<Store, "lorebooks">;
  readonly #now: () => Date;
  readonly #cache = new Map<string, CachedBook>();

  constructor(options: { store: Pick<Store, "lorebooks">; now?: () => Date }) {
    this.#store = options.store;
    this.#now = options.now ?? (() => new Date());
  }

  /** The agent's lorebook; an empty one (revision 0, never saved) when it has none. */
  async get(agentId: string): Promise<Lorebook> {
    return (await this.#read(agentId)).book;
  }

  /** Replaces the whole lorebook; a stale expectedRevision is refused so no one's edit is silently lost. */
  async put(agentId: string, input: PutLorebook): Promise<Lorebook> {
    // The store checks the revision in the same statement that writes (see #save for the refusal).
    return this.#save(agentId, input.lorebook, input.expectedRevision);
  }

  /**
   * Brings in an imported lorebook. "replace" swaps it whole. "merge" appends the file's entries
   * after the existing ones (entries whose id is taken get a new one) and keeps the current
   * settings, unless the agent had no lorebook yet, in which case the file's settings are taken too.
   */
  async merge(agentId: string, content: LorebookContent, mode: "replace" | "merge"): Promise<Lorebook> {
    const current = await this.#fresh(agentId);
    if (mode === "replace" || (current.revision === 0 && current.entries.length === 0)) return this.#save(agentId, content, current.revision);
    if (current.entries.length + content.entries.length > LOREBOOK_MAX_ENTRIES) {
      throw new AtelierError("validation_failed",
        `Merging would make ${current.entries.length + content.entries.length} entries; a lorebook holds at most ${LOREBOOK_MAX_ENTRIES}. Import with mode=replace, or delete entries first.`);
    }
    const taken = new Set(current.entries.map((entry) => entry.id));
    const added = content.entries.map((entry) => {
      const id = taken.has(entry.id) ? newId("lor") : entry.id;
      taken.add(id);
      return { ...entry, id };
    });
    const { agentId: _agent, revision: _revision, updatedAt: _updated, ...settings } = current;
    return this.#save(agentId, { ...settings, entries: [...current.entries, ...added] }, current.revision);
  }

  /** Which entries these messages would trigger, within the lorebook's own budget; nothing is saved. */
  async test(agentId: string, input: LorebookTest, countTokens: CountTokens): Promise<LorebookTestResult> {
    const { book } = this.#remember(agentId, await this.#fresh(agentId));
    const selection = await selectLore({ lorebook: book, messages: input.messages, budgetTokens: book.tokenBudget, countTokens });
    return { entries: selection.entries, tokens: selection.tokens, budget: book.tokenBudget, warnings: regexProblems(book) };
  }

  /**
   * The lore for a turn, within the lorebook's budget and the caller's (`budgetTokens`: what the
   * prompt can spare, e.g. a quarter of the context); null when the agent has no entry that could fire.
   * Served from memory: the store is read at most every LOREBOOK_CACHE_MS per agent.
   */
  async select(agentId: string, messages: readonly string[], budgetTokens: number, countTokens: CountTokens): Promise<LoreSelection | null> {
    const cached = await this.#read(agentId);
    if (!cached.active) return null;
    return selectLore({ lorebook: cached.book, messages, budgetTokens: Math.min(budgetTokens, cached.book.tokenBudget), countTokens });
  }

  async #save(agentId: string, content: LorebookContent, expectedRevision: number | undefined): Promise<Lorebook> {
    const valid = parseWith(LorebookContent, content, "lorebook");
    try {
      const saved = await this.#store.lorebooks.put({ agentId, content: valid, expectedRevision, now: this.#now().toISOString() });
      this.#remember(agentId, saved);
      return saved;
    } catch (error) {
      if (!AtelierError.is(error, "conflict")) throw error;
      this.#cache.delete(agentId);
      const current = await this.#fresh(agentId);
      throw staleEdit(current.revision, expectedRevision ?? current.revision, error);
    }
  }

  /** Cached when read recently enough, else read again (see #remember: an unchanged book keeps its object, so its compiled keys stay). */
  async #read(agentId: string): Promise<CachedBook> {
    const cached = this.#cache.get(agentId);
    if (cached && Date.now() - cached.readAt < LOREBOOK_CACHE_MS) {
      // Most recently used last: the first key is the one to drop.
      this.#cache.delete(agentId);
      this.#cache.set(agentId, cached);
      return cached;
    }
    return this.#remember(agentId, await this.#fresh(agentId));
  }

  async #fresh(agentId: string): Promise<Lorebook> {
    return (await this.#store.lorebooks.get(agentId)) ?? emptyLorebook(agentId);
  }

  #remember(agentId: string, book: Lorebook): CachedBook {
    const previous = this.#cache.get(agentId);
    const entry = previous && previous.book.revision === book.revision && previous.book.updatedAt === book.updatedAt
      ? { ...previous, readAt: Date.now() }
      : { book, active: book.entries.some((item) => item.enabled), readAt: Date.now() };
    this.#cache.delete(agentId);
    this.#cache.set(agentId, entry);
    if (this.#cache.size > CACHE_SIZE) this.#cache.delete(this.#cache.keys().next().value!);
    return entry;
  }
}

export function emptyLorebook(agentId: string): Lorebook {
  return { agentId, revision: 0, updatedAt: null, ...LorebookContent.parse({}) };
}

function staleEdit(current: number, expected: number, cause?: unknown): AtelierError {
  return new AtelierError("conflict",
    `The lorebook was changed elsewhere since you opened it (it is now at revision ${current}, your edit was based on revision ${expected}). Reload it and make your change again.`,
    cause === undefined ? undefined : { cause });
}
