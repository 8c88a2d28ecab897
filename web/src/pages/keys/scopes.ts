import type { ApiKeyScope } from "../../../../src/contracts/index.js";

/** What each scope lets a key do, in words; the order is the form's. */
export const SCOPES: readonly { scope: ApiKeyScope; label: string; help: string }[] = [
  { scope: "chat", label: "Chat (OpenAI-compatible API)", help: "Talk to your agents from any app or library that speaks the OpenAI API, at /v1. Each agent is a “model” named by its handle." },
  { scope: "agents:read", label: "Read agents", help: "List your agents and read their profiles." },
  { scope: "agents:write", label: "Edit agents", help: "Create, change, publish and delete your agents." },
  { scope: "conversations:read", label: "Read conversations", help: "Read conversations with your agents." },
  { scope: "conversations:write", label: "Write conversations", help: "Start conversations and send messages through the Atelier API." },
  { scope: "account:export", label: "Export your data", help: "Download an archive of your agents and conversations." },
  { scope: "admin", label: "Administer", help: "Admin routes of this instance (only works for an admin's key)." },
];

export function scopeLabel(scope: ApiKeyScope): string {
  return SCOPES.find((entry) => entry.scope === scope)?.label ?? scope;
}
