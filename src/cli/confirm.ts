import readline from "node:readline/promises";
import type { Readable, Writable } from "node:stream";

/** Asks a yes/no question on a terminal; anything but y/yes is a no. */
export async function confirm(options: { input: Readable; output: Writable; question: string }): Promise<boolean> {
  const rl = readline.createInterface({ input: options.input, output: options.output, terminal: true });
  const answered = rl.question(`${options.question} [y/N] `).catch(() => "");
  // Ctrl-C or Ctrl-D at the question is a no, not a crash.
  const closed = new Promise<string>((resolve) => rl.once("close", () => resolve("")));
  rl.once("SIGINT", () => {
    options.output.write("\n");
    rl.close();
  });
  try {
    const answer = await Promise.race([answered, closed]);
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}
