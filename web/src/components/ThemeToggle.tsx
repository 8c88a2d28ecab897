import { useEffect, useId, useState } from "react";
import { applyTheme, storedTheme, storeTheme, type ThemeChoice } from "./theme.js";

/** Light, dark, or follow the device; remembered in this browser. */
export function ThemeToggle() {
  const [choice, setChoice] = useState<ThemeChoice>(storedTheme);
  const id = useId();
  useEffect(() => applyTheme(choice), [choice]);
  return (
    <>
      <label htmlFor={id} className="visually-hidden">
        Theme
      </label>
      <select
        id={id}
        className="input theme-select"
        value={choice}
        onChange={(event) => {
          const next = event.target.value as ThemeChoice;
          storeTheme(next);
          setChoice(next);
        }}
      >
        <option value="system">Theme: system</option>
        <option value="light">Theme: light</option>
        <option value="dark">Theme: dark</option>
      </select>
    </>
  );
}
