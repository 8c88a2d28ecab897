import { Button } from "../../components/Button.js";
import { useClipboard } from "../../components/useClipboard.js";

/** A value to paste elsewhere (a link, a snippet), shown as code with a copy button. */
export function CopyField({ label, value, multiline = false }: { label: string; value: string; multiline?: boolean }) {
  const [state, copy] = useClipboard(2500);
  return (
    <div className="publish-copy">
      {multiline ? <pre aria-label={label}>{value}</pre> : <code aria-label={label}>{value}</code>}
      <Button small onClick={() => void copy(value)} aria-label={`Copy ${label.toLowerCase()}`}>
        {state === "copied" ? "Copied" : "Copy"}
      </Button>
      <span className="visually-hidden" role="status">
        {state === "copied" ? `${label} copied.` : state === "failed" ? "Copying did not work here; select the text and copy it yourself." : ""}
      </span>
    </div>
  );
}
