import { useId } from "react";
import type { Citation } from "../../../src/contracts/knowledge.js";

/** The id of a reply's source entry, the target of its [n] markers. */
export function citeId(messageId: string, index: number): string {
  return `cite-${messageId}-${index}`;
}

/** What the markers in one reply may link to: the reply and its citations' numbers and titles. */
export interface CiteTargets {
  messageId: string;
  titles: ReadonlyMap<number, string>;
}

/** The heading path without a leading document title already shown beside it ("FAQ › Returns" under "FAQ"). */
export function headingBelow(title: string, heading: string): string {
  if (heading === title) return "";
  return heading.startsWith(`${title} › `) ? heading.slice(title.length + 3) : heading;
}

export function citeTargets(messageId: string, citations: readonly Citation[]): CiteTargets | undefined {
  if (citations.length === 0) return undefined;
  return { messageId, titles: new Map(citations.map((citation) => [citation.index, citation.title])) };
}

/** The passages a reply was grounded on, numbered as its [n] markers; each excerpt opens on demand. */
export function SourceList({ messageId, citations }: { messageId: string; citations: readonly Citation[] }) {
  const titleId = useId();
  if (citations.length === 0) return null;
  return (
    <div className="chat-sources">
      <p className="chat-sources__title" id={titleId}>
        Sources
      </p>
      <ol className="chat-sources__list" aria-labelledby={titleId}>
        {citations.map((citation) => (
          <SourceEntry key={citation.index} messageId={messageId} citation={citation} />
        ))}
      </ol>
    </div>
  );
}

function SourceEntry({ messageId, citation }: { messageId: string; citation: Citation }) {
  const heading = headingBelow(citation.title, citation.heading);
  return (
    <li id={citeId(messageId, citation.index)} className="chat-source">
      <details>
        <summary>
          <span className="chat-source__index">[{citation.index}]</span> {citation.title}
          {heading && <span className="chat-source__heading"> › {heading}</span>}
        </summary>
        <p className="chat-source__excerpt">{citation.excerpt}</p>
      </details>
    </li>
  );
}

/*
 * A tiny remark plugin: "[2]" in the reply's text becomes a link to source entry 2, when the reply
 * cites a second source. It only splits plain text nodes (never code, links or raw HTML), and the
 * link it makes is a same-page #fragment, so nothing the model writes can become markup or a URL.
 */

interface MdNode {
  type: string;
  value?: string;
  url?: string;
  children?: MdNode[];
  data?: { hProperties?: Record<string, unknown> };
}

const UNTOUCHED = new Set(["link", "linkReference", "inlineCode", "code", "html", "definition", "footnoteReference", "footnoteDefinition"]);
const MARKER = /\[(\d{1,3})\]/g;

export function citationMarkers(targets: CiteTargets) {
  return () => (tree: MdNode) => {
    linkMarkers(tree, targets);
  };
}

function linkMarkers(node: MdNode, targets: CiteTargets): void {
  if (!node.children) return;
  node.children = node.children.flatMap((child) => {
    if (child.type === "text" && typeof child.value === "string") return splitText(child.value, targets);
    if (!UNTOUCHED.has(child.type)) linkMarkers(child, targets);
    return [child];
  });
}

function splitText(text: string, targets: CiteTargets): MdNode[] {
  const nodes: MdNode[] = [];
  let last = 0;
  for (const match of text.matchAll(MARKER)) {
    const index = Number(match[1]);
    const title = targets.titles.get(index);
    if (title === undefined) continue;
    if (match.index > last) nodes.push({ type: "text", value: text.slice(last, match.index) });
    nodes.push({
      type: "link",
      url: `#${citeId(targets.messageId, index)}`,
      children: [{ type: "text", value: `[${index}]` }],
      data: { hProperties: { className: ["chat-cite"], title: `Source ${index}: ${title}` } },
    });
    last = match.index + match[0].length;
  }
  if (last === 0) return [{ type: "text", value: text }];
  if (last < text.length) nodes.push({ type: "text", value: text.slice(last) });
  return nodes;
}
