import { useEffect, useRef } from "react";
import type { ExportFormat } from "../../../../src/contracts/index.js";

const FORMATS: Array<{ format: ExportFormat; label: string; detail: string }> = [
  { format: "card-v3-png", label: "Character card (PNG)", detail: "V3 and V2 in the picture: SillyTavern, RisuAI and most apps" },
  { format: "card-v3-json", label: "Card JSON (V3)", detail: "Character Card V3 as a JSON file" },
  { format: "card-v2-json", label: "Card JSON (V2)", detail: "For apps that only read V2" },
  { format: "charx", label: "CHARX (V3)", detail: "A zip with the card and its picture" },
  { format: "bundle", label: "Atelier bundle", detail: "Every version, the lorebook and the knowledge, for another Atelier" },
];

/**
 * Downloads of the saved agent. Plain links: the browser sends the session cookie and saves the
 * file under the name the server gives it, with no script in between.
 */
export function ExportMenu({ agentId, dirty }: { agentId: string; dirty: boolean }) {
  const base = `/api/agents/${encodeURIComponent(agentId)}/export`;
  const menu = useRef<HTMLDetailsElement>(null);
  // Like any menu: Escape or a click elsewhere closes it (Escape hands focus back to its button).
  useEffect(() => {
    const close = (event: Event) => {
      const details = menu.current;
      if (!details?.open) return;
      if (event instanceof KeyboardEvent) {
        if (event.key !== "Escape") return;
        details.open = false;
        details.querySelector("summary")?.focus();
      } else if (!details.contains(event.target as Node)) {
        details.open = false;
      }
    };
    document.addEventListener("keydown", close);
    document.addEventListener("click", close);
    return () => {
      document.removeEventListener("keydown", close);
      document.removeEventListener("click", close);
    };
  }, []);
  return (
    <details ref={menu} className="export-menu">
      <summary className="btn">Export</summary>
      <div className="export-menu__panel">
        {dirty && <p className="export-menu__note">Exports the last saved version; save first to include your changes.</p>}
        <ul aria-label="Export formats">
          {FORMATS.map(({ format, label, detail }) => (
            <li key={format}>
              <a href={`${base}?format=${format}`} download>
                {label}
              </a>
              <span>{detail}</span>
            </li>
          ))}
        </ul>
      </div>
    </details>
  );
}
