import { useRef, useState, type FormEvent } from "react";
import type { KnowledgeSearchResult, Passage } from "../../../../src/contracts/index.js";
import { api } from "../../api.js";
import { Button } from "../../components/Button.js";
import { ErrorMessage } from "../../components/ErrorMessage.js";
import { fieldIssues } from "../../components/errors.js";
import { Field } from "../../components/Field.js";
import { headingBelow, highlight, queryTerms } from "./highlight.js";

const MODES: Record<KnowledgeSearchResult["mode"], string> = {
  hybrid: "hybrid (keywords and meaning)",
  lexical: "lexical (keywords only)",
};

type Search = { query: string; result: KnowledgeSearchResult };

/** "Test retrieval": ask a question and see the passages the agent would be given to answer it. */
export function SearchPanel({ agentId, agentName }: { agentId: string; agentName: string }) {
  const [question, setQuestion] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [search, setSearch] = useState<Search | null>(null);
  const controller = useRef<AbortController | null>(null);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const query = question.trim();
    if (query === "") return;
    controller.current?.abort();
    const own = new AbortController();
    controller.current = own;
    setBusy(true);
    setError(null);
    try {
      const result = await api.searchKnowledge(agentId, { q: query }, { signal: own.signal });
      if (controller.current === own) setSearch({ query, result });
    } catch (caught) {
      if (controller.current === own) setError(caught);
    } finally {
      if (controller.current === own) setBusy(false);
    }
  }

  const issues = fieldIssues(error);
  return (
    <section className="card section" aria-labelledby="retrieval-title">
      <h2 id="retrieval-title">Test retrieval</h2>
      <p className="muted">Ask what a visitor might ask, and see the passages {agentName} would be given to answer from, best first.</p>
      <form className="knowledge-search" onSubmit={(event) => void submit(event)} noValidate role="search" aria-label="Test retrieval">
        <Field label="Question" value={question} onChange={setQuestion} max={2000} error={issues.q} placeholder="How long do refunds take?" />
        <Button type="submit" variant="primary" busy={busy} disabled={question.trim() === ""}>
          Search
        </Button>
      </form>
      {error !== null && !issues.q && <ErrorMessage error={error} title="The search failed" />}
      <div role="status" className="knowledge-search__summary">
        {search && summary(search.result)}
      </div>
      {search && search.result.passages.length > 0 && <Passages search={search} />}
    </section>
  );
}

function summary({ passages, mode, tookMs }: KnowledgeSearchResult): string {
  const count = passages.length === 0 ? "No passages matched" : passages.length === 1 ? "1 passage" : `${passages.length} passages`;
  return `${count} · ${MODES[mode]} search · ${Math.round(tookMs)} ms`;
}

function Passages({ search }: { search: Search }) {
  const terms = queryTerms(search.query);
  return (
    <ol className="knowledge-passages" aria-label="Retrieved passages">
      {search.result.passages.map((passage, index) => (
        <PassageItem key={passage.chunkId} passage={passage} rank={index + 1} terms={terms} />
      ))}
    </ol>
  );
}

function PassageItem({ passage, rank, terms }: { passage: Passage; rank: number; terms: readonly string[] }) {
  const heading = headingBelow(passage.sourceTitle, passage.heading);
  return (
    <li className="knowledge-passage">
      <div className="knowledge-passage__head">
        <span className="knowledge-passage__rank">
          <span className="visually-hidden">Rank </span>
          {rank}
        </span>
        <span className="knowledge-passage__source">
          <strong>{passage.sourceTitle}</strong>
          {heading && <span className="muted"> › {heading}</span>}
        </span>
      </div>
      <p className="knowledge-passage__text">{highlight(passage.text, terms)}</p>
    </li>
  );
}
