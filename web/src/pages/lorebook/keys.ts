/**
 * Keys are typed as one comma-separated line. A key written as /pattern/flags is a regular
 * expression and may itself hold commas (/a{1,3}/), so a comma inside one does not split it.
 */
export function splitKeys(text: string): string[] {
  const keys: string[] = [];
  let current = "";
  let inRegex = false;
  for (let index = 0; index < text.length; index++) {
    const char = text[index]!;
    if (inRegex) {
      current += char;
      if (char === "\\" && index + 1 < text.length) current += text[++index];
      else if (char === "/") inRegex = false;
      continue;
    }
    if (char === ",") {
      keys.push(current);
      current = "";
      continue;
    }
    if (char === "/" && current.trim() === "") inRegex = true;
    current += char;
  }
  keys.push(current);
  return keys.map((key) => key.trim()).filter((key) => key !== "");
}

export function joinKeys(keys: readonly string[]): string {
  return keys.join(", ");
}
