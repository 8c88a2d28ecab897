import { AtelierError } from "../../../src/contracts/index.js";

/** The message to show for any thrown value; AtelierError messages are written for people already. */
export function errorText(error: unknown): string {
  if (error instanceof AtelierError) {
    if (error.code === "upstream_error" && error.message.startsWith("Could not reach")) {
      return "The Atelier server cannot be reached. Check that it is running, then try again.";
    }
    if (error.code === "validation_failed" && error.issues?.length) return "Some fields need attention; see the notes next to them.";
    return error.message;
  }
  return "An unexpected problem happened. Please try again.";
}

/** Validation issues by field path ("greetings.0", "model.temperature"), for messages next to fields. */
export function fieldIssues(error: unknown): Record<string, string> {
  if (!(error instanceof AtelierError) || !error.issues) return {};
  const byPath: Record<string, string> = {};
  for (const issue of error.issues) byPath[issue.path] ??= issue.message;
  return byPath;
}

export function isAborted(error: unknown): boolean {
  return error instanceof AtelierError && error.code === "aborted";
}
