import { useMemo, type ComponentProps } from "react";
import ReactMarkdown, { type Components, type ExtraProps } from "react-markdown";
import remarkGfm from "remark-gfm";
import { citationMarkers, type CiteTargets } from "./Citations.js";

/**
 * Links leave the studio in a new tab without handing it `window.opener` or the referrer: an agent's
 * text is not trusted content.
 */
function Link({ node: _node, children, ...props }: ComponentProps<"a"> & ExtraProps) {
  // Citation markers ([1]) jump to the reply's own source list, on this page.
  if (props.className === "chat-cite" && props.href?.startsWith("#")) {
    const target = props.href.slice(1);
    return (
      <a
        {...props}
        onClick={(event) => {
          // Focus, not the #fragment, moves the reader: fragment navigation would drop the focus to <body>.
          if (openSource(target)) event.preventDefault();
        }}
      >
        {children}
      </a>
    );
  }
  return (
    <a {...props} target="_blank" rel="noopener noreferrer">
      {children}
    </a>
  );
}

/** Following a [n] marker opens that source's excerpt and moves focus there, for keyboard users too. */
function openSource(id: string): boolean {
  const details = document.getElementById(id)?.querySelector("details");
  const summary = details?.querySelector("summary");
  if (!details || !summary) return false;
  details.open = true;
  summary.focus();
  return true;
}

/** Images become links: loading them would let a message make the browser fetch any address. */
function ImageLink({ src, alt }: ComponentProps<"img"> & ExtraProps) {
  if (typeof src !== "string" || src === "") return <span>{alt}</span>;
  return (
    <a href={src} target="_blank" rel="noopener noreferrer">
      {alt || "image"}
    </a>
  );
}

const components: Components = { a: Link, img: ImageLink };

/**
 * Message text as markdown. Without rehype-raw, HTML in a message becomes plain text, and
 * react-markdown's default urlTransform drops javascript: and other dangerous URLs. With `cite`,
 * [n] markers that match a citation link to the reply's source list.
 */
export function Markdown({ text, cite }: { text: string; cite?: CiteTargets | undefined }) {
  const plugins = useMemo(() => (cite ? [remarkGfm, citationMarkers(cite)] : [remarkGfm]), [cite]);
  return (
    <div className="chat-markdown">
      <ReactMarkdown remarkPlugins={plugins} components={components}>
        {text}
      </ReactMarkdown>
    </div>
  );
}
