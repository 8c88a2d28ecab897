import { useClipboard } from "../components/useClipboard.js";

export function CopyButton({ text }: { text: string }) {
  const [state, copy] = useClipboard(2000);
  return (
    <button type="button" className="chat-action" onClick={() => void copy(text)}>
      {state === "copied" ? "Copied" : state === "failed" ? "Copy failed" : "Copy"}
    </button>
  );
}
