/**
 * The widget's DOM inside a shadow root: the bubble, the dialog panel and its messages. It knows
 * nothing of the server; widget.ts drives it. Text goes in with textContent only, so whatever a
 * model or a visitor writes is shown, never run.
 */
import { CSS } from "./styles.js";

type Attributes = Record<string, string | boolean | undefined>;

function h<K extends keyof HTMLElementTagNameMap>(tag: K, attributes: Attributes = {}, ...children: (Node | string)[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === true) element.setAttribute(name, "");
    else if (typeof value === "string") element.setAttribute(name, value);
  }
  element.append(...children);
  return element;
}

const SVG_NS = "http://www.w3.org/2000/svg";
function icon(path: string): SVGSVGElement {
  const svg = document.createElementNS(SVG_NS, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("aria-hidden", "true");
  const shape = document.createElementNS(SVG_NS, "path");
  shape.setAttribute("d", path);
  svg.append(shape);
  return svg;
}
const CHAT_ICON = "M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H8l-4 4V6a2 2 0 0 1 2-2z";
const CLOSE_ICON = "M6.4 5 5 6.4 10.6 12 5 17.6 6.4 19l5.6-5.6 5.6 5.6 1.4-1.4-5.6-5.6L19 6.4 17.6 5 12 10.6z";
const NEW_ICON = "M11 5h2v6h6v2h-6v6h-2v-6H5v-2h6z";

export interface ViewEvents {
  toggle(open: boolean): void;
  send(text: string): void;
  stop(): void;
  restart(): void;
}

export type Speaker = "user" | "agent" | "owner";

/** One message in the log; its text can grow while a reply streams. */
export class MessageView {
  readonly element: HTMLDivElement;
  readonly #text: HTMLDivElement;
  readonly #note: HTMLParagraphElement;

  constructor(speaker: Speaker, agentName: string, content: string, public id?: string) {
    const who = h("span", { class: "who" });
    if (speaker === "user") who.append("You");
    else if (speaker === "owner") who.append(`${agentName} team`);
    // Every AI-written message says so, visibly (and to screen readers: "Lily AI").
    else who.append(agentName, h("span", { class: "badge", title: "Written by AI" }, "AI"));
    this.#text = h("div", { class: "text" });
    this.#text.textContent = content;
    this.#note = h("p", { class: "note", hidden: true });
    this.element = h("div", { class: `msg ${speaker}` }, who, this.#text, this.#note);
  }

  get text(): string {
    return this.#text.textContent ?? "";
  }

  set text(value: string) {
    this.#text.textContent = value;
    this.#text.classList.toggle("typing", value === "" && this.#typing);
  }

  #typing = false;
  /** The streaming indicator: shown while the reply has no text yet. */
  set typing(on: boolean) {
    this.#typing = on;
    this.#text.classList.toggle("typing", on && this.text === "");
    if (on && this.text === "") this.#text.setAttribute("aria-label", "Writing");
    else this.#text.removeAttribute("aria-label");
  }

  append(delta: string): void {
    this.#text.append(delta);
    this.typing = this.#typing;
  }

  set note(value: string) {
    this.#note.textContent = value;
    this.#note.hidden = value === "";
  }
}

export class View {
  readonly host: HTMLElement;
  readonly #bubble: HTMLButtonElement;
  readonly #panel: HTMLElement;
  readonly #title: HTMLHeadingElement;
  readonly #tagline: HTMLParagraphElement;
  readonly #avatar: HTMLImageElement;
  readonly #log: HTMLDivElement;
  readonly #status: HTMLDivElement;
  readonly #openers: HTMLDivElement;
  readonly #input: HTMLTextAreaElement;
  readonly #send: HTMLButtonElement;
  readonly #stop: HTMLButtonElement;
  readonly #restart: HTMLButtonElement;
  #agentName = "";
  #statusTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(options: { theme: string | null; position: string | null; title: string | null; events: ViewEvents }) {
    const { events } = options;
    this.host = document.createElement("atelier-chat");
    if (options.theme === "light" || options.theme === "dark") this.host.dataset.theme = options.theme;
    if (options.position === "left") this.host.dataset.position = "left";
    const root = this.host.attachShadow({ mode: "open" });
    // A constructed sheet is not an inline <style>, so a host page's strict CSP does not block it.
    if ("adoptedStyleSheets" in root && typeof CSSStyleSheet === "function" && "replaceSync" in CSSStyleSheet.prototype) {
      const sheet = new CSSStyleSheet();
      sheet.replaceSync(CSS);
      root.adoptedStyleSheets = [sheet];
    } else {
      root.append(h("style", {}, CSS));
    }

    this.#bubble = h("button", { class: "bubble", type: "button", "aria-haspopup": "dialog", "aria-expanded": "false", "aria-controls": "panel", "aria-label": "Open chat" }, icon(CHAT_ICON));
    this.#bubble.addEventListener("click", () => events.toggle(this.#panel.hidden));

    this.#title = h("h2", { id: "title" }, options.title ?? "Chat");
    this.#tagline = h("p", { class: "tagline", hidden: true });
    this.#avatar = h("img", { alt: "", hidden: true });
    this.#restart = h("button", { class: "icon", type: "button", "aria-label": "New conversation", title: "New conversation" }, icon(NEW_ICON));
    this.#restart.addEventListener("click", () => events.restart());
    const close = h("button", { class: "icon", type: "button", "aria-label": "Close chat", title: "Close" }, icon(CLOSE_ICON));
    close.addEventListener("click", () => events.toggle(false));

    // A div: role="log" replaces a list's semantics, and list items outside a list confuse screen readers.
    this.#log = h("div", { class: "log", role: "log", "aria-live": "polite", "aria-label": "Conversation" });
    this.#status = h("div", { class: "status", role: "status" });
    this.#openers = h("div", { class: "openers", role: "group", "aria-label": "Suggestions", hidden: true });
    this.#input = h("textarea", { rows: "1", "aria-label": "Message", placeholder: "Write a message…", maxlength: "32000" });
    this.#send = h("button", { class: "send", type: "submit" }, "Send");
    this.#stop = h("button", { class: "stop", type: "button", hidden: true }, "Stop");
    this.#stop.addEventListener("click", () => events.stop());
    const form = h("form", {}, this.#input, this.#send, this.#stop);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const text = this.#input.value.trim();
      if (text === "" || this.#send.hidden || this.#send.disabled) return;
      events.send(text);
    });
    // Enter sends, Shift+Enter starts a new line (and an IME composing text keeps its Enter).
    this.#input.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        form.requestSubmit();
      }
    });
    this.#input.addEventListener("input", () => this.#fitInput());

    this.#panel = h("section", { class: "panel", id: "panel", role: "dialog", "aria-labelledby": "title", hidden: true },
      h("header", {}, this.#avatar, h("div", { class: "heading" }, this.#title, this.#tagline), this.#restart, close),
      this.#log, this.#status, this.#openers, form, h("p", { class: "foot" }, "Replies are written by AI and can be wrong."));
    this.#panel.addEventListener("keydown", (event) => {
      if (event.key === "Escape") {
        event.stopPropagation();
        events.toggle(false);
      }
    });
    root.append(h("div", { class: "root" }, this.#bubble, this.#panel));
  }

  get isOpen(): boolean {
    return !this.#panel.hidden;
  }

  setAgent(agent: { name: string; tagline: string; avatar: string }, title: string | null): void {
    this.#agentName = agent.name;
    this.#title.textContent = title ?? agent.name;
    this.#tagline.textContent = agent.tagline;
    this.#tagline.hidden = agent.tagline === "";
    this.#avatar.hidden = agent.avatar === "";
    if (agent.avatar !== "") this.#avatar.src = agent.avatar;
    this.#bubble.setAttribute("aria-label", `Chat with ${title ?? agent.name}`);
    this.#input.setAttribute("aria-label", `Message ${agent.name}`);
  }

  setOpen(open: boolean, moveFocus = true): void {
    this.#panel.hidden = !open;
    this.#bubble.setAttribute("aria-expanded", String(open));
    this.host.toggleAttribute("data-open", open);
    if (!moveFocus) return;
    if (open) (this.#input.disabled ? this.#restart : this.#input).focus();
    else this.#bubble.focus();
  }

  addMessage(speaker: Speaker, content: string, id?: string): MessageView {
    const view = new MessageView(speaker, this.#agentName, content, id);
    this.#log.append(view.element);
    this.scrollDown();
    return view;
  }

  addNote(text: string): void {
    this.#log.append(h("p", { class: "note" }, text));
    this.scrollDown();
  }

  /** Puts an element back at the end of the log (a visitor's message sent before the conversation existed). */
  reappend(view: MessageView): void {
    this.#log.append(view.element);
  }

  clearLog(): void {
    this.#log.replaceChildren();
  }

  scrollDown(): void {
    this.#log.scrollTop = this.#log.scrollHeight;
  }

  setOpeners(openers: string[], pick: (text: string) => void): void {
    this.#openers.replaceChildren(...openers.map((text) => {
      const button = h("button", { type: "button" }, text);
      button.addEventListener("click", () => pick(text));
      return button;
    }));
    this.#openers.hidden = openers.length === 0;
  }

  /** A message about the chat itself (an error, a limit), with an optional action; "" clears it. */
  setStatus(text: string, action?: { label: string; run: () => void }, clearAfterSeconds?: number): void {
    clearTimeout(this.#statusTimer);
    this.#status.replaceChildren(text === "" ? "" : h("span", {}, text));
    if (action) {
      const button = h("button", { type: "button" }, action.label);
      button.addEventListener("click", action.run);
      this.#status.append(button);
    }
    if (clearAfterSeconds !== undefined) this.#statusTimer = setTimeout(() => this.setStatus(""), clearAfterSeconds * 1000);
  }

  /** While a reply streams: Stop instead of Send, and the log says it is busy. */
  setStreaming(streaming: boolean): void {
    const stopHadFocus = this.host.shadowRoot?.activeElement === this.#stop;
    this.#send.hidden = streaming;
    this.#stop.hidden = !streaming;
    this.#log.setAttribute("aria-busy", String(streaming));
    if (stopHadFocus && !streaming) this.#input.focus();
  }

  /** The chat cannot be used here at all (wrong website, unknown agent): nothing to type into. */
  setUnavailable(unavailable: boolean): void {
    this.#input.disabled = unavailable;
    this.#send.disabled = unavailable;
    this.#restart.disabled = unavailable;
  }

  takeInput(): string {
    const text = this.#input.value;
    this.#input.value = "";
    this.#fitInput();
    return text;
  }

  restoreInput(text: string): void {
    if (this.#input.value === "") this.#input.value = text;
    this.#fitInput();
  }

  #fitInput(): void {
    this.#input.style.height = "auto";
    this.#input.style.height = `${Math.min(this.#input.scrollHeight + 2, 120)}px`;
  }
}
