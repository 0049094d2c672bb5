// End-to-end tests: the real UI (ui/dist) in Debian's Chromium, driven by
// playwright-core, against the real core through the loopback bridge
// (crm-bridge) on a fresh database. No browser is downloaded.
//
//   node e2e/run.mjs            (after `npm run build` and `cargo build -p crm-app`)
//
// CRM_BRIDGE: the bridge binary (default ../target/debug/crm-bridge)
// CHROMIUM:   the browser (default /usr/bin/chromium)
// SHOTS:      where screenshots go (default ../target/ui-e2e)

import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..', '..');
const bridgeBin = process.env.CRM_BRIDGE ?? join(root, 'target', 'debug', 'crm-bridge');
const shots = process.env.SHOTS ?? join(root, 'target', 'ui-e2e');
mkdirSync(shots, { recursive: true });

/** Start the bridge on a fresh data directory; resolves with its URL and token. */
async function startBridge(dataDir) {
  const child = spawn(bridgeBin, ['--data-dir', dataDir, '--ui', join(here, '..', 'dist')], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout });
  const started = await new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error('the bridge did not start within 20 s')), 20_000);
    child.on('exit', (code) => fail(new Error(`the bridge exited with ${code}`)));
    lines.on('line', (line) => {
      const m = /url=(\S+) token=(\S+)/.exec(line);
      if (m) {
        clearTimeout(timer);
        ok({ url: m[1], token: m[2] });
      }
    });
  });
  return { child, ...started };
}

function api(bridge) {
  return async (command, args) => {
    const r = await fetch(`${bridge.url}api/${command}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${bridge.token}`, 'content-type': 'application/json' },
      body: JSON.stringify(args ?? null),
    });
    const body = await r.json();
    if (!r.ok) throw new Error(`${command}: ${JSON.stringify(body)}`);
    return body;
  };
}

function assert(condition, message) {
  if (!condition) throw new Error(message);
}

const dataDir = mkdtempSync(join(tmpdir(), 'crm-e2e-'));
const bridge = await startBridge(dataDir);
const call = api(bridge);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
    '--disable-quic',
  ],
});
const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-US' });
const page = await context.newPage();
page.setDefaultTimeout(15_000);
const consoleErrors = [];
// The core's refusals arrive as HTTP errors, which Chromium logs as failed
// loads; those are expected. Anything else logged as an error is a bug.
page.on('console', (m) => m.type() === 'error' && !m.text().startsWith('Failed to load resource') && consoleErrors.push(m.text()));
page.on('pageerror', (e) => consoleErrors.push(String(e)));

const ACCOUNT = '上海云杉科技有限公司';
const state = {};
const tests = [
  [
    'a first start offers to create the database or load demo data',
    async () => {
      await page.goto(`${bridge.url}?token=${bridge.token}#/accounts`);
      await page.getByRole('heading', { name: 'Welcome to Offline CRM' }).waitFor();
      await page.getByTestId('load-demo').waitFor();
      await page.screenshot({ path: join(shots, 'welcome.png') });
      // A small demo set keeps the test quick; the button path is the same command.
      const summary = await call('load_demo', { accounts: 300 });
      assert(summary.accounts === 300, `demo made ${summary.accounts} accounts`);
      await page.reload();
      await page.locator('[role=table][data-ready=true]').waitFor();
      const total = await page.getByTestId('account-total').textContent();
      assert(total.includes('300'), `the list says "${total}"`);
      await page.screenshot({ path: join(shots, 'accounts.png') });
    },
  ],
  [
    'create an account',
    async () => {
      await page.getByRole('button', { name: 'New account' }).click();
      const form = page.getByRole('form', { name: 'New account' });
      await form.getByLabel('Name').fill(ACCOUNT);
      await form.getByLabel('Industry').fill('软件');
      await form.getByLabel('Region').fill('上海');
      await form.getByLabel('Phone').fill('+86 21 5555 0101');
      await form.getByRole('button', { name: 'Save' }).click();
      await page.getByRole('heading', { name: ACCOUNT, level: 1 }).waitFor();
      state.accountId = decodeURIComponent(page.url().split('#/accounts/')[1]);
      const view = await call('account_view', { id: state.accountId });
      assert(view.account.phone === '+86 21 5555 0101', 'the phone was saved');
    },
  ],
  [
    'a refused value is explained in the user’s language',
    async () => {
      await page.getByRole('button', { name: 'Edit' }).click();
      await page.getByRole('textbox', { name: 'Email' }).fill('not-an-email');
      await page.getByRole('button', { name: 'Save' }).click();
      const alert = page.getByRole('alert');
      await alert.waitFor();
      const text = await alert.textContent();
      assert(text.includes('Email is not an email address'), `the message was "${text}"`);
      await page.getByRole('button', { name: 'Cancel' }).click();
      await alert.getByRole('button', { name: 'Close' }).click();
    },
  ],
  [
    'log a call with one keystroke without leaving the page',
    async () => {
      await page.locator('main').click({ position: { x: 5, y: 5 } });
      await page.keyboard.press('c');
      const form = page.getByRole('form', { name: 'Log a call' });
      await form.waitFor();
      await form.getByLabel('Subject').fill('讨论续约报价');
      await page.keyboard.press('Enter');
      await page.getByRole('list', { name: 'History' }).getByText('讨论续约报价').waitFor();
      await page.getByRole('status').filter({ hasText: 'call logged' }).waitFor();
      assert(page.url().includes(state.accountId), 'still on the account page');
      const view = await call('account_view', { id: state.accountId });
      const entry = view.timeline.entries[0];
      assert(entry.kind === 'call' && entry.subject === '讨论续约报价', 'the call is the newest entry');
      assert(entry.author_name, 'the entry says who wrote it');
      await page.screenshot({ path: join(shots, 'account.png') });
    },
  ],
  [
    'find the account and the call by a Chinese search (Ctrl+K)',
    async () => {
      await page.goto(`${bridge.url}#/today`);
      await page.keyboard.press('Control+k');
      const box = page.getByRole('combobox', { name: 'Search everywhere' });
      await box.fill('云杉');
      const results = page.locator('#search-results[data-query="云杉"]');
      await results.getByRole('option', { name: new RegExp(ACCOUNT) }).waitFor();
      await box.fill('续约报价');
      await page.locator('#search-results[data-query="续约报价"]').getByRole('option', { name: /讨论续约报价/ }).waitFor();
      await page.screenshot({ path: join(shots, 'search.png') });
      await box.fill('云杉');
      await page.locator('#search-results[data-query="云杉"]').waitFor();
      await page.keyboard.press('Enter');
      await page.getByRole('heading', { name: ACCOUNT, level: 1 }).waitFor();
    },
  ],
  [
    'move a deal across stages by drag and drop',
    async () => {
      const dealId = await call('create_deal', {
        account_id: state.accountId,
        name: '云杉 年度订阅',
        amount: '120000',
        currency: 'CNY',
      });
      await page.goto(`${bridge.url}#/pipeline`);
      const card = page.locator(`[data-stage=qualification] [data-deal="${dealId}"]`);
      await card.waitFor();
      await card.scrollIntoViewIfNeeded();
      const target = page.locator('[data-stage=proposal]');
      const from = await card.boundingBox();
      const to = await target.boundingBox();
      await page.mouse.move(from.x + 20, from.y + 12);
      await page.mouse.down();
      await page.mouse.move(from.x + 40, from.y + 30, { steps: 5 });
      await page.mouse.move(to.x + to.width / 2, to.y + 120, { steps: 15 });
      await page.mouse.up();
      await page.locator(`[data-stage=proposal] [data-deal="${dealId}"]`).waitFor();
      await page.getByRole('status').filter({ hasText: 'moved to Proposal' }).waitFor();
      const view = await call('account_view', { id: state.accountId });
      const deal = view.open_opportunities.find((d) => d.id === dealId);
      assert(deal.stage === 'proposal' && deal.probability === 50, `the deal is at ${deal.stage} ${deal.probability}%`);
      await page.reload();
      await page.locator(`[data-stage=proposal] [data-deal="${dealId}"]`).waitFor();
      await page.screenshot({ path: join(shots, 'pipeline.png') });
    },
  ],
  [
    'in Chinese, Sync says no team server is configured and lists waiting changes',
    async () => {
      await page.goto(`${bridge.url}#/settings`);
      await page.getByLabel('Language').selectOption('zh');
      await page.getByRole('heading', { name: '设置' }).waitFor();
      await page.goto(`${bridge.url}#/sync`);
      await page.getByRole('heading', { name: '同步' }).waitFor();
      const pending = await page.getByTestId('pending').textContent();
      assert(/项本地修改等待同步/.test(pending), `pending says "${pending}"`);
      await page.getByRole('button', { name: '立即同步' }).click();
      const alert = await page.getByRole('alert').textContent();
      assert(alert.includes('尚未配置团队服务器'), `the message was "${alert}"`);
      await page.screenshot({ path: join(shots, 'sync-zh.png') });
    },
  ],
];

let passed = 0;
let failed = 0;
for (const [name, test] of tests) {
  const started = Date.now();
  try {
    await test();
    passed += 1;
    console.log(`ok   ${name} (${Date.now() - started} ms)`);
  } catch (e) {
    failed += 1;
    console.log(`FAIL ${name}\n     ${e.message}`);
    await page.screenshot({ path: join(shots, `failed-${passed + failed}.png`) }).catch(() => {});
  }
}
if (consoleErrors.length) {
  failed += 1;
  console.log(`FAIL the page logged no errors\n     ${consoleErrors.join('\n     ')}`);
}

await browser.close();
bridge.child.kill('SIGINT');
rmSync(dataDir, { recursive: true, force: true });
console.log(`e2e: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
