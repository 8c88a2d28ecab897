import { useEffect, useState } from "react";
import { Button } from "../../components/Button.js";

/** A value to paste elsewhere (a link, a snippet), shown as code with a copy button. */
export function CopyField({ label, value, multiline = false }: { label: string; value: string; multiline?: boolean }) {
  const [state, setState] = useState<"idle" | "copied" | "failed">("idle");
  useEffect(() => {
    if (state === "idle") return;
    const timer = setTimeout(() => setState("idle"), 2500);
    return () => clearTimeout(timer);
  }, [state]);

  async function copy() {
    try {
      await navigator.clipboard.writeText(value);
      setState("copied");
    } catch {
      // Clipboard access needs a secure context; the text stays selectable either way.
      setState("failed");
    }
  }

  return (
    <div className="publish-copy">
      {multiline ? <pre aria-label={label}>{value}</pre> : <code aria-label={label}>{value}</code>}
      <Button small onClick={() => void copy()} aria-label={`Copy ${label.toLowerCase()}`}>
        {state === "copied" ? "Copied" : "Copy"}
      </Button>
      <span className="visually-hidden" role="status">
        {state === "copied" ? `${label} copied.` : state === "failed" ? "Copying did not work here; select the text and copy it yourself." : ""}
      </span>
    </div>
  );
}
