/**
 * Character interchange: Character Card V2/V3 (JSON, PNG, CHARX), elizaOS characters, SillyTavern
 * World Info and Atelier bundles, as pure functions over bytes and JSON (no store, no server).
 */
export { readAgentFile, type AgentFile, type CharacterFile } from "./read.js";
export { FILE_MAX_BYTES } from "./common.js";
export { writeAgentFile, type WrittenFile } from "./write.js";
export { AgentBundle, type AgentBundleInput, writeBundle } from "./bundle.js";
export { readLorebookFile, writeWorldInfo } from "./world-info.js";
export { AVATAR_MAX_BYTES, decodeDataUri, IMAGE_EXTENSIONS, sniffImage, type ImageMime } from "./image.js";
