import type { ComponentProps } from "react";
import ReactMarkdown, { type Components, type ExtraProps } from "react-markdown";
import remarkGfm from "remark-gfm";

/**
 * Links leave the studio in a new tab without handing it `window.opener` or the referrer: an agent's
 * text is not trusted content.
 */
function Link({ node: _node, children, ...props }: ComponentProps<"a"> & ExtraProps) {
  return (
    <a {...props} target="_blank" rel="noopener noreferrer">
      {children}
    </a>
  );
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
 * react-markdown's default urlTransform drops javascript: and other dangerous URLs.
 */
export function Markdown({ text }: { text: string }) {
  return (
    <div className="chat-markdown">
      <ReactMarkdown remarkPlugins={[remarkGfm]} components={components}>
        {text}
      </ReactMarkdown>
    </div>
  );
}
