import { useState, type FormEvent } from "react";
import type { KnowledgeSource } from "../../../../src/contracts/index.js";
import { Button } from "../../components/Button.js";
import { ErrorMessage } from "../../components/ErrorMessage.js";
import { fieldIssues } from "../../components/errors.js";
import { Field } from "../../components/Field.js";

/** Adds a web page by its address; the server fetches it and indexes it like an uploaded file. */
export function UrlForm({ onAdd }: { onAdd: (url: string) => Promise<KnowledgeSource> }) {
  const [url, setUrl] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await onAdd(url.trim());
      setUrl("");
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  }

  const issues = fieldIssues(error);
  return (
    <form className="knowledge-url" onSubmit={(event) => void submit(event)} noValidate aria-labelledby="knowledge-url-title">
      <h3 id="knowledge-url-title">Add a web page</h3>
      <Field
        label="Page address"
        type="url"
        inputMode="url"
        value={url}
        onChange={setUrl}
        max={2000}
        error={issues.url}
        placeholder="https://example.com/help/returns"
        help="An http:// or https:// address. The page is read once, now; add it again later to pick up changes."
      />
      {error !== null && !issues.url && <ErrorMessage error={error} title="The page was not added" />}
      <Button type="submit" variant="secondary" busy={busy} disabled={url.trim() === ""}>
        Add page
      </Button>
    </form>
  );
}
