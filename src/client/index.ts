export * from "./http-client.js";
export { readSseStream, SseParser, type SseMessage } from "./sse.js";
