import { Fragment } from 'react';
import { markdown, type Inline } from './markdown';

function Spans({ spans }: { spans: Inline[] }) {
  return (
    <>
      {spans.map((s, i) => {
        switch (s.type) {
          case 'strong':
            return <strong key={i}>{s.text}</strong>;
          case 'em':
            return <em key={i}>{s.text}</em>;
          case 'code':
            return <code key={i}>{s.text}</code>;
          default:
            return <Fragment key={i}>{s.text}</Fragment>;
        }
      })}
    </>
  );
}

/** An article's body, drawn from its Markdown as elements (text only, never HTML). */
export default function Markdown({ source }: { source: string }) {
  return (
    <div className="markdown">
      {markdown(source).map((block, i) => {
        switch (block.type) {
          case 'heading': {
            // Under the article's own title (an h1 or h2): one level down.
            const Tag = (['h3', 'h4', 'h5'] as const)[block.level - 1];
            return (
              <Tag key={i}>
                <Spans spans={block.text} />
              </Tag>
            );
          }
          case 'paragraph':
            return (
              <p key={i}>
                {block.lines.map((line, j) => (
                  <Fragment key={j}>
                    {j > 0 && <br />}
                    <Spans spans={line} />
                  </Fragment>
                ))}
              </p>
            );
          case 'list': {
            const List = block.ordered ? 'ol' : 'ul';
            return (
              <List key={i}>
                {block.items.map((item, j) => (
                  <li key={j}>
                    <Spans spans={item} />
                  </li>
                ))}
              </List>
            );
          }
          case 'code':
            return (
              <pre key={i}>
                <code>{block.text}</code>
              </pre>
            );
        }
      })}
    </div>
  );
}
