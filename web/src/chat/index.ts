export { ChatPage } from "./ChatPage.js";
export { ChatPanel, type ChatPanelProps } from "./ChatPanel.js";
