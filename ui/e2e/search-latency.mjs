/* global document */
// Typing-to-results latency of Search everywhere, measured in Chromium
// against a bridge (started by the caller) on a big database. For each
// keystroke: the time from the key press to the results for the text typed
// so far being on screen.
//
//   node e2e/search-latency.mjs URL TOKEN
import { chromium } from 'playwright-core';

const [url, token] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'],
});
const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
await page.goto(`${url}?token=${token}#/today`);
await page.getByRole('heading', { level: 1 }).waitFor();
const samples = [];
for (const query of ['科技', '北京星辰', 'Mendez', 'Garcia', 'logistics', '拜访', 'annual contract', 'Summit']) {
  await page.keyboard.press('Control+k');
  const box = page.getByRole('combobox');
  await box.waitFor();
  let typed = '';
  for (const ch of query) {
    typed += ch;
    const t0 = Date.now();
    await page.keyboard.insertText(ch);
    await page.waitForFunction(
      (q) => document.querySelector('#search-results')?.getAttribute('data-query') === q,
      typed,
      { polling: 'raf' },
    );
    samples.push(Date.now() - t0);
  }
  await page.keyboard.press('Escape');
}
samples.sort((a, b) => a - b);
const pct = (p) => samples[Math.min(samples.length - 1, Math.ceil((p / 100) * samples.length) - 1)];
console.log(`search keystrokes: n=${samples.length} p50=${pct(50)} ms p95=${pct(95)} ms max=${samples.at(-1)} ms`);
await browser.close();
