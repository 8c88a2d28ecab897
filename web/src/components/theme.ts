export type ThemeChoice = "light" | "dark" | "system";

const STORAGE_KEY = "atelier-theme";
const darkQuery = () => window.matchMedia("(prefers-color-scheme: dark)");

export function storedTheme(): ThemeChoice {
  const value = localStorage.getItem(STORAGE_KEY);
  return value === "light" || value === "dark" ? value : "system";
}

export function storeTheme(choice: ThemeChoice): void {
  if (choice === "system") localStorage.removeItem(STORAGE_KEY);
  else localStorage.setItem(STORAGE_KEY, choice);
}

/**
 * Resolves "system" here so CSS only needs [data-theme="dark"]; returns a cleanup that stops
 * following the system setting.
 */
export function applyTheme(choice: ThemeChoice): () => void {
  const root = document.documentElement;
  const apply = () => {
    root.dataset.theme = choice === "system" ? (darkQuery().matches ? "dark" : "light") : choice;
  };
  apply();
  if (choice !== "system") return () => {};
  const query = darkQuery();
  query.addEventListener("change", apply);
  return () => query.removeEventListener("change", apply);
}
