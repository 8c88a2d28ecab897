/**
 * The embeddable chat widget. A site adds
 *   <script src="https://atelier.example/widget.js" data-agent="handle" async></script>
 * and gets a chat bubble talking to that Atelier server. Options, as data- attributes: agent
 * (required), title, theme (light|dark), position (left), open (start opened), user-id and
 * user-signature (a signed-in user of the site: HMAC-SHA256 of user-id with the agent's identity secret).
 */
import { Chat } from "./chat.js";

/** The only global the widget leaves: which widgets this page already has, so a second copy of the script is a no-op. */
const GUARD = "__atelierWidget";

function findScript(): HTMLScriptElement | null {
  const current = document.currentScript;
  if (current instanceof HTMLScriptElement && current.dataset.agent !== undefined) return current;
  // currentScript is null when the script runs late (some loaders); fall back to the tag itself.
  return document.querySelector<HTMLScriptElement>('script[src*="widget.js"][data-agent]');
}

function start(script: HTMLScriptElement): void {
  const agent = script.dataset.agent?.trim();
  if (!agent) {
    console.warn("Atelier widget: add data-agent=\"<handle>\" to the script tag.");
    return;
  }
  const scriptUrl = new URL(script.src, location.href).href;
  const base = new URL(scriptUrl).origin;
  const scope = window as unknown as Record<string, Set<string> | undefined>;
  const mounted = (scope[GUARD] ??= new Set<string>());
  const key = `${base}|${agent}`;
  if (mounted.has(key)) return;
  mounted.add(key);

  const data = script.dataset;
  const mount = () => {
    const chat = new Chat({
      base,
      scriptUrl,
      handle: agent,
      title: data.title?.trim() || null,
      theme: data.theme ?? null,
      position: data.position ?? null,
      identity: data.userId && data.userSignature ? { userId: data.userId, signature: data.userSignature } : undefined,
    });
    document.body.append(chat.view.host);
    void chat.start(data.open !== undefined && data.open !== "false");
  };
  if (document.body) mount();
  else document.addEventListener("DOMContentLoaded", mount, { once: true });
}

const script = findScript();
if (script) start(script);
