export * from "./errors.js";
export * from "./agent.js";
export * from "./chat.js";
export * from "./api.js";
export * from "./config.js";
export * from "./auth.js";
export * from "./studio.js";
export * from "./knowledge.js";
