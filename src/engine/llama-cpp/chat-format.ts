import type { ChatHistoryItem, ChatWrapper, LlamaModel, LlamaText, Token } from "node-llama-cpp";
import { AtelierError, type ChatMessage } from "../../contracts/index.js";

/**
 * Converts typed messages to node-llama-cpp's chat history. Message text stays plain text: special
 * tokens typed by a user (`</s>`, `<|eot_id|>`) are tokenised as text, never as control tokens.
 */
export function toChatHistory(messages: readonly ChatMessage[]): ChatHistoryItem[] {
  if (messages.length === 0) {
    throw new AtelierError("bad_request", "There are no messages to answer: send at least one user message.");
  }
  return messages.map((message): ChatHistoryItem => {
    switch (message.role) {
      case "system":
        return { type: "system", text: message.content };
      case "user":
        return { type: "user", text: message.content };
      case "assistant":
        return { type: "model", response: [message.content] };
    }
  });
}

/**
 * The prompt exactly as LlamaChat would build it: the chat wrapper renders the history followed by an
 * empty model turn (unless the history already ends with one, which is then continued), and the text is
 * tokenised with the model's tokenizer. Counting and generation share this function so `countTokens`
 * equals the canonical prompt size.
 */
export function formatPrompt(options: { model: LlamaModel; chatWrapper: ChatWrapper; history: readonly ChatHistoryItem[] }): Token[] {
  return renderPrompt(options).tokens;
}

export interface RenderedPrompt {
  tokens: Token[];
  /** Where the model's turn ends: text or tokens that stop generation (EOS/EOG tokens stop it anyway). */
  stopTriggers: LlamaText[];
}

export function renderPrompt(options: { model: LlamaModel; chatWrapper: ChatWrapper; history: readonly ChatHistoryItem[] }): RenderedPrompt {
  const chatHistory = [...options.history];
  if (chatHistory.at(-1)?.type !== "model") chatHistory.push({ type: "model", response: [] });
  const { contextText, stopGenerationTriggers } = options.chatWrapper.generateContextState({ chatHistory });
  return { tokens: contextText.tokenize(options.model.tokenizer), stopTriggers: stopGenerationTriggers };
}

/**
 * The history with `reply` as the model's open (continuable) last turn: a new model turn after a user
 * message, or the continuation of a history that already ends with one. Rendered, it is the prompt the
 * next turn extends.
 */
export function withReply(history: readonly ChatHistoryItem[], reply: string): ChatHistoryItem[] {
  const last = history.at(-1);
  if (last?.type === "model") return [...history.slice(0, -1), { ...last, response: [...last.response, reply] }];
  return [...history, { type: "model", response: [reply] }];
}
