/**
 * What the widget remembers between page loads: the visitor's token and the open conversation, in
 * localStorage under a key naming the server, the agent and the signed-in user (if the site passes
 * one), so two agents, two Atelier servers or two users of one browser never share a session.
 * Storage can be unavailable (privacy modes, sandboxed frames): then it lasts as long as the page.
 */

export interface Saved {
  token?: string;
  conversationId?: string;
}

export class SavedSession {
  readonly #key: string;
  #memory: Saved = {};

  constructor(parts: { base: string; agent: string; userId: string | undefined }) {
    this.#key = `atelier-widget:${parts.base}|${parts.agent}|${parts.userId ?? ""}`;
  }

  read(): Saved {
    try {
      const raw = localStorage.getItem(this.#key);
      const value: unknown = raw === null ? {} : JSON.parse(raw);
      if (typeof value !== "object" || value === null) return {};
      const { token, conversationId } = value as Record<string, unknown>;
      return {
        ...(typeof token === "string" ? { token } : {}),
        ...(typeof conversationId === "string" ? { conversationId } : {}),
      };
    } catch {
      return { ...this.#memory };
    }
  }

  update(change: Partial<Record<keyof Saved, string | undefined>>): void {
    const next: Saved = { ...this.read() };
    for (const [field, value] of Object.entries(change) as [keyof Saved, string | undefined][]) {
      if (value === undefined) delete next[field];
      else next[field] = value;
    }
    this.#memory = next;
    try {
      localStorage.setItem(this.#key, JSON.stringify(next));
    } catch {
      // kept in memory only
    }
  }
}
