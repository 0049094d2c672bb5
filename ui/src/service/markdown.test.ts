import { describe, expect, it } from 'vitest';
import { inline, markdown } from './markdown';

describe('an article’s Markdown', () => {
  it('reads headings, paragraphs with their line breaks, lists and code', () => {
    const blocks = markdown('# 打印机卡纸\n\nOpen the tray.\nPull the paper out.\n\n- Turn it off\n- Wait 10 s\n\n1. One\n2. Two\n\n```\nreset --all\n```');
    expect(blocks).toEqual([
      { type: 'heading', level: 1, text: [{ type: 'text', text: '打印机卡纸' }] },
      { type: 'paragraph', lines: [[{ type: 'text', text: 'Open the tray.' }], [{ type: 'text', text: 'Pull the paper out.' }]] },
      { type: 'list', ordered: false, items: [[{ type: 'text', text: 'Turn it off' }], [{ type: 'text', text: 'Wait 10 s' }]] },
      { type: 'list', ordered: true, items: [[{ type: 'text', text: 'One' }], [{ type: 'text', text: 'Two' }]] },
      { type: 'code', text: 'reset --all' },
    ]);
  });

  it('keeps HTML as text: nothing typed becomes markup', () => {
    const blocks = markdown('<img src=x onerror=alert(1)> **<b>bold</b>**');
    expect(blocks).toEqual([
      {
        type: 'paragraph',
        lines: [[{ type: 'text', text: '<img src=x onerror=alert(1)> ' }, { type: 'strong', text: '<b>bold</b>' }]],
      },
    ]);
  });

  it('reads bold, emphasis and code in a line; a lone star stays a star', () => {
    expect(inline('Press **Reset**, then `F2` and *wait*.')).toEqual([
      { type: 'text', text: 'Press ' },
      { type: 'strong', text: 'Reset' },
      { type: 'text', text: ', then ' },
      { type: 'code', text: 'F2' },
      { type: 'text', text: ' and ' },
      { type: 'em', text: 'wait' },
      { type: 'text', text: '.' },
    ]);
    expect(inline('5 * 3 = 15')).toEqual([{ type: 'text', text: '5 * 3 = 15' }]);
  });

  it('carries an indented line on with its list item, and deep headings as the third level', () => {
    expect(markdown('- first\n  goes on\nafter')).toEqual([
      { type: 'list', ordered: false, items: [[{ type: 'text', text: 'first' }, { type: 'text', text: ' ' }, { type: 'text', text: 'goes on' }]] },
      { type: 'paragraph', lines: [[{ type: 'text', text: 'after' }]] },
    ]);
    expect(markdown('#### Deep')[0]).toEqual({ type: 'heading', level: 3, text: [{ type: 'text', text: 'Deep' }] });
    expect(markdown('   \n\n')).toEqual([]);
  });
});
