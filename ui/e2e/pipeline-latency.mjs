/* global document, requestAnimationFrame */
// Opening the Pipeline, measured in Chromium against a bridge (started by the
// caller) on a big book: from the click on "Pipeline" in the sidebar to every
// column's total and its first cards on screen (the figure), and to every
// card of the columns' first pages drawn, below the fold too (the board is
// no longer aria-busy). The first open loads the screen's code and warms
// SQLite's cache; the figures are the warm opens.
//
//   node e2e/pipeline-latency.mjs URL TOKEN [RUNS]
import { chromium } from 'playwright-core';

const [url, token, runs = '15'] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'],
});
const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
await page.goto(`${url}?token=${token}#/accounts`);
await page.locator('[role=table][data-ready=true]').waitFor({ timeout: 60_000 });

/** Click Pipeline, wait until the board is painted; ms. Then leave it. */
async function open() {
  const started = await page.evaluate(() => performance.now());
  await page.getByRole('navigation').getByRole('link', { name: 'Pipeline' }).click();
  const [painted, whole] = await page.evaluate(
    () =>
      new Promise((done) => {
        let painted;
        // The board is drawn in one render with its columns' first cards;
        // the cards below the fold follow, then aria-busy goes.
        const check = () => {
          const columns = document.querySelectorAll('.board [data-stage]');
          const cards = document.querySelectorAll('.board [data-stage] [data-deal]');
          if (painted === undefined && columns.length >= 6 && cards.length >= 6) {
            requestAnimationFrame(() => {
              painted = performance.now();
              check();
            });
          } else if (painted !== undefined && document.querySelector('.board:not([aria-busy=true])')) {
            requestAnimationFrame(() => done([painted, performance.now()]));
          } else requestAnimationFrame(check);
        };
        check();
      }),
  );
  const cards = await page.locator('[data-stage] [data-deal]').count();
  await page.getByRole('navigation').getByRole('link', { name: 'Accounts' }).click();
  await page.locator('[role=table][data-ready=true]').waitFor();
  return { ms: painted - started, whole: whole - started, cards };
}

const first = await open();
const samples = [];
for (let i = 0; i < Number(runs); i += 1) samples.push(await open());
const figures = (ms) => {
  const sorted = ms.toSorted((a, b) => a - b);
  const pct = (p) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)].toFixed(0);
  return `p50=${pct(50)} ms p95=${pct(95)} ms max=${sorted.at(-1).toFixed(0)} ms`;
};
console.log(
  `pipeline open (${first.cards} cards): first ${first.ms.toFixed(0)} ms; warm n=${samples.length} ${figures(samples.map((s) => s.ms))}`,
);
console.log(`   every card of the first pages drawn: first ${first.whole.toFixed(0)} ms; warm ${figures(samples.map((s) => s.whole))}`);
await browser.close();
