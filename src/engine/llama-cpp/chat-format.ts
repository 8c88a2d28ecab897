import type { ChatHistoryItem, ChatWrapper, LlamaModel, Token } from "node-llama-cpp";
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
 * The prompt exactly as LlamaChat builds it: the chat wrapper renders the history followed by an
 * empty model turn (unless the history already ends with one, which LlamaChat then continues), and
 * the text is tokenised with the model's tokenizer. Counting and generation share this function so
 * `countTokens` equals the prompt size generation reports.
 */
export function formatPrompt(options: {
  model: LlamaModel;
  chatWrapper: ChatWrapper;
  history: readonly ChatHistoryItem[];
}): Token[] {
  const chatHistory = [...options.history];
  if (chatHistory.at(-1)?.type !== "model") chatHistory.push({ type: "model", response: [] });
  const { contextText } = options.chatWrapper.generateContextState({ chatHistory });
  return contextText.tokenize(options.model.tokenizer);
}
