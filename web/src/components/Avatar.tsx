import { useState } from "react";

/** The agent's picture, or its initials when it has none or the image fails to load. */
export function Avatar({ name, src }: { name: string; src: string }) {
  const [failed, setFailed] = useState(false);
  if (src && !failed) {
    return <img className="avatar" src={src} alt="" onError={() => setFailed(true)} />;
  }
  return (
    <span className="avatar" aria-hidden="true">
      {initials(name)}
    </span>
  );
}

function initials(name: string): string {
  const words = name.trim().split(/\s+/).filter(Boolean);
  const letters = words.length > 1 ? [words[0], words[words.length - 1]] : [name.trim()];
  return letters.map((word) => [...(word ?? "")][0] ?? "").join("").toUpperCase() || "?";
}
