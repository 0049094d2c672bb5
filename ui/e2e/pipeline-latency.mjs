/* global document, requestAnimationFrame */
// Opening the Pipeline, measured in Chromium against a bridge (started by the
// caller) on a big book: from the click on "Pipeline" in the sidebar to every
// column's total and its first cards on screen. The first open loads the
// screen's code and warms SQLite's cache; the figure is the warm opens.
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
  const painted = await page.evaluate(
    () =>
      new Promise((done) => {
        // The board is drawn in one render with its columns' first cards.
        const check = () => {
          const columns = document.querySelectorAll('.board [data-stage]');
          const cards = document.querySelectorAll('.board [data-stage] [data-deal]');
          if (columns.length >= 6 && cards.length >= 6) requestAnimationFrame(() => done(performance.now()));
          else requestAnimationFrame(check);
        };
        check();
      }),
  );
  const cards = await page.locator('[data-stage] [data-deal]').count();
  await page.getByRole('navigation').getByRole('link', { name: 'Accounts' }).click();
  await page.locator('[role=table][data-ready=true]').waitFor();
  return { ms: painted - started, cards };
}

const first = await open();
const samples = [];
for (let i = 0; i < Number(runs); i += 1) samples.push((await open()).ms);
samples.sort((a, b) => a - b);
const pct = (p) => samples[Math.min(samples.length - 1, Math.ceil((p / 100) * samples.length) - 1)];
console.log(
  `pipeline open (${first.cards} cards): first ${first.ms.toFixed(0)} ms; warm n=${samples.length} p50=${pct(50).toFixed(0)} ms p95=${pct(95).toFixed(0)} ms max=${samples.at(-1).toFixed(0)} ms`,
);
await browser.close();
