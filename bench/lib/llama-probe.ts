/**
 * llama.cpp alone, without Atelier or LlamaChat: how long evaluating a few new tokens and sampling one
 * takes when the sequence already holds `position` tokens, with flash attention left to llama.cpp
 * ("auto", node-llama-cpp's default) or turned off (what the engine uses on the CPU).
 */
import { getLlama, LlamaLogLevel, type Token } from "node-llama-cpp";
import { median } from "./stats.js";

export interface ProbeRow {
  flashAttention: "auto" | false;
  /** What llama.cpp resolved "auto" to, when it says. */
  resolved: string;
  position: number;
  newTokens: number;
  ms: number;
}

export async function probeTurnCost(options: {
  modelPath: string;
  threads: number;
  contextSize: number;
  positions: number[];
  newTokens: number;
  repetitions: number;
}): Promise<ProbeRow[]> {
  const llama = await getLlama({ gpu: "auto", maxThreads: options.threads, build: "never", progressLogs: false, logLevel: LlamaLogLevel.error });
  const rows: ProbeRow[] = [];
  try {
    const model = await llama.loadModel({ modelPath: options.modelPath });
    // Filler text: token identity does not change the cost, only how many the sequence holds.
    const filler = model.tokenize("Once upon a time there was a little cat who liked to play in the garden with her friends. ".repeat(200));
    for (const flashAttention of ["auto", false] as const) {
      const context = await model.createContext({ sequences: 1, contextSize: options.contextSize, threads: options.threads, flashAttention });
      const sequence = context.getSequence();
      for (const position of options.positions) {
        const prefix = filler.slice(0, position) as Token[];
        const fresh = filler.slice(position, position + options.newTokens) as Token[];
        const samples: number[] = [];
        for (let repetition = 0; repetition < options.repetitions; repetition++) {
          await sequence.clearHistory();
          await sequence.evaluateWithoutGeneratingNewTokens(prefix);
          const started = performance.now();
          for await (const token of sequence.evaluate(fresh, { temperature: 0 })) {
            void token;
            break;
          }
          samples.push(performance.now() - started);
        }
        rows.push({ flashAttention, resolved: String(context.flashAttention), position, newTokens: options.newTokens, ms: median(samples) });
      }
      await context.dispose();
    }
    await model.dispose();
  } finally {
    await llama.dispose();
  }
  return rows;
}
