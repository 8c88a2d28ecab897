import type { MemoryKind } from "../../../../src/contracts/index.js";

export const KIND_LABEL: Record<MemoryKind, string> = {
  name: "Name",
  preference: "Preference",
  fact: "Fact",
  request: "Request",
};

export function formatDate(iso: string): string {
  return new Date(iso).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

export const memoryCount = (count: number) => `${count} ${count === 1 ? "memory" : "memories"}`;
