import type { ExampleDialogue } from "../contracts/agent.js";
import { formatCount } from "./common.js";

export type Turn = { fromAgent: boolean; text: string };

const EXAMPLE_TEXT_MAX = 8_000;

/**
 * Pairs a visitor turn with the agent turn that follows it. Consecutive turns by the same speaker
 * are one turn (cards often split an action and a line); turns left without a partner are counted.
 */
export function pairTurns(turns: readonly Turn[]): { pairs: ExampleDialogue[]; unpaired: number; tooLong: number } {
  const merged: Turn[] = [];
  for (const turn of turns) {
    const text = turn.text.trim();
    if (text === "") continue;
    const last = merged.at(-1);
    if (last && last.fromAgent === turn.fromAgent) last.text = `${last.text}\n${text}`;
    else merged.push({ fromAgent: turn.fromAgent, text });
  }
  const pairs: ExampleDialogue[] = [];
  let unpaired = 0;
  let tooLong = 0;
  for (let index = 0; index < merged.length; index++) {
    const turn = merged[index]!;
    const reply = merged[index + 1];
    if (turn.fromAgent || !reply) {
      unpaired++;
      continue;
    }
    if (turn.text.length > EXAMPLE_TEXT_MAX || reply.text.length > EXAMPLE_TEXT_MAX) tooLong++;
    else pairs.push({ user: turn.text, agent: reply.text });
    index++;
  }
  return { pairs, unpaired, tooLong };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * `mes_example` as example dialogues: blocks start at `<START>`; a line beginning "{{user}}:" or
 * "{{char}}:" (also "<USER>:", "<BOT>:" and the character's own name) starts a turn, and the lines
 * after it belong to that turn. {{char}}/{{user}} inside the text stay as they are.
 */
export function parseMesExample(text: string, characterName: string, warnings: string[]): ExampleDialogue[] {
  if (text.trim() === "") return [];
  const name = characterName.trim();
  const speaker = new RegExp(
    `^\\s*(\\{\\{user\\}\\}|<user>|\\{\\{char\\}\\}|<bot>|<char>${name ? `|${escapeRegExp(name)}` : ""})\\s*:\\s?`,
    "i",
  );
  const dialogues: ExampleDialogue[] = [];
  let skippedBlocks = 0;
  let strayTurns = 0;
  let tooLong = 0;
  for (const block of text.split(/<START>/i)) {
    if (block.trim() === "") continue;
    const turns: Turn[] = [];
    for (const line of block.split(/\r?\n/)) {
      const match = speaker.exec(line);
      if (match) {
        const who = match[1]!.toLowerCase();
        turns.push({ fromAgent: !(who === "{{user}}" || who === "<user>"), text: line.slice(match[0].length) });
      } else if (turns.length > 0) {
        turns.at(-1)!.text += `\n${line}`;
      }
    }
    const result = pairTurns(turns);
    if (result.pairs.length === 0) skippedBlocks++;
    else strayTurns += result.unpaired;
    tooLong += result.tooLong;
    dialogues.push(...result.pairs);
  }
  if (skippedBlocks > 0) {
    warnings.push(`${formatCount(skippedBlocks)} example dialogue block${skippedBlocks === 1 ? "" : "s"} had no "{{user}}:" line followed by a "{{char}}:" reply and ${skippedBlocks === 1 ? "was" : "were"} skipped.`);
  }
  if (strayTurns > 0) warnings.push(`${formatCount(strayTurns)} example dialogue line${strayTurns === 1 ? "" : "s"} without a reply or a question ${strayTurns === 1 ? "was" : "were"} left out.`);
  if (tooLong > 0) warnings.push(`${formatCount(tooLong)} example dialogue${tooLong === 1 ? "" : "s"} longer than ${formatCount(EXAMPLE_TEXT_MAX)} characters ${tooLong === 1 ? "was" : "were"} left out.`);
  return dialogues;
}

export function writeMesExample(dialogues: readonly ExampleDialogue[]): string {
  return dialogues.map((dialogue) => `<START>\n{{user}}: ${dialogue.user}\n{{char}}: ${dialogue.agent}`).join("\n");
}
