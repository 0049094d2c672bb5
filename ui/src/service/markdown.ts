// The little Markdown an article's body is written in, read into blocks the
// page draws as React elements: never HTML from the text, so nothing typed
// into an article can run or restyle the page. Headings, paragraphs (a
// single line break kept), bullet and numbered lists, fenced code, and
// **bold**, *emphasis* and `code` inside a line. Anything else is text.

export type Inline = { type: 'text' | 'strong' | 'em' | 'code'; text: string };

export type Block =
  | { type: 'heading'; level: 1 | 2 | 3; text: Inline[] }
  | { type: 'paragraph'; lines: Inline[][] }
  | { type: 'list'; ordered: boolean; items: Inline[][] }
  | { type: 'code'; text: string };

const HEADING = /^(#{1,6})\s+(.*?)\s*#*\s*$/;
const BULLET = /^\s*[-*+]\s+(.*)$/;
const NUMBERED = /^\s*\d{1,9}[.)]\s+(.*)$/;
const FENCE = /^\s*(```|~~~)/;

/** A line's bold, emphasis and code spans; unmatched markers stay text. */
export function inline(line: string): Inline[] {
  const out: Inline[] = [];
  const push = (type: Inline['type'], text: string) => {
    if (!text) return;
    const last = out[out.length - 1];
    if (type === 'text' && last?.type === 'text') last.text += text;
    else out.push({ type, text });
  };
  const span = /`([^`]+)`|\*\*([^*]+)\*\*|__([^_]+)__|\*([^*\s][^*]*)\*|_([^_\s][^_]*)_/g;
  let at = 0;
  for (const m of line.matchAll(span)) {
    const start = m.index ?? 0;
    push('text', line.slice(at, start));
    if (m[1] !== undefined) push('code', m[1]);
    else if (m[2] !== undefined || m[3] !== undefined) push('strong', m[2] ?? m[3]);
    else push('em', m[4] ?? m[5]);
    at = start + m[0].length;
  }
  push('text', line.slice(at));
  return out;
}

/** The blocks of a Markdown text. */
export function markdown(source: string): Block[] {
  const blocks: Block[] = [];
  const lines = source.replace(/\r\n?/g, '\n').split('\n');
  let paragraph: Inline[][] = [];
  let list: { ordered: boolean; items: Inline[][] } | null = null;
  const flush = () => {
    if (paragraph.length) blocks.push({ type: 'paragraph', lines: paragraph });
    if (list) blocks.push({ type: 'list', ...list });
    paragraph = [];
    list = null;
  };
  for (let i = 0; i < lines.length; i += 1) {
    const line = lines[i];
    if (FENCE.test(line)) {
      flush();
      const code: string[] = [];
      for (i += 1; i < lines.length && !FENCE.test(lines[i]); i += 1) code.push(lines[i]);
      blocks.push({ type: 'code', text: code.join('\n') });
      continue;
    }
    if (line.trim() === '') {
      flush();
      continue;
    }
    const heading = HEADING.exec(line);
    if (heading) {
      flush();
      blocks.push({ type: 'heading', level: Math.min(heading[1].length, 3) as 1 | 2 | 3, text: inline(heading[2]) });
      continue;
    }
    const bullet = BULLET.exec(line);
    const numbered = bullet ? null : NUMBERED.exec(line);
    const item = bullet ?? numbered;
    if (item) {
      const ordered = numbered !== null;
      if (paragraph.length || (list && list.ordered !== ordered)) flush();
      list ??= { ordered, items: [] };
      list.items.push(inline(item[1].trim()));
      continue;
    }
    // A line under a list item continues it; otherwise it is the paragraph's.
    if (list && /^\s+/.test(line)) {
      const items = list.items;
      items[items.length - 1] = [...items[items.length - 1], { type: 'text', text: ' ' }, ...inline(line.trim())];
      continue;
    }
    if (list) flush();
    paragraph.push(inline(line.trim()));
  }
  flush();
  return blocks;
}
