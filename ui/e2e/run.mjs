// End-to-end tests: the real UI (ui/dist) in Debian's Chromium, driven by
// playwright-core, against the real core through the loopback bridge
// (crm-bridge) on a fresh database. No browser is downloaded.
//
//   node e2e/run.mjs            (after `npm run build` and `cargo build -p crm-app`)
//
// CRM_BRIDGE: the bridge binary (default ../target/debug/crm-bridge)
// CRM_SERVER, CRM_CLI: the team server and the `crm` command (default
//             ../target/debug/crm-server and ../target/debug/crm), for the
//             offline-and-conflict test against a real server
// CHROMIUM:   the browser (default /usr/bin/chromium)
// SHOTS:      where screenshots go (default ../target/ui-e2e)

import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..', '..');
const bridgeBin = process.env.CRM_BRIDGE ?? join(root, 'target', 'debug', 'crm-bridge');
const serverBin = process.env.CRM_SERVER ?? join(root, 'target', 'debug', 'crm-server');
const cliBin = process.env.CRM_CLI ?? join(root, 'target', 'debug', 'crm');
const PASSWORD = 'correct horse battery';
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

/** The real team server over a SQLite file in `dir`, on `listen` (port 0:
 * any free port); resolves with its URL once it listens. */
async function startServer(dir, listen = '127.0.0.1:0') {
  const child = spawn(serverBin, ['--database', `sqlite://${join(dir, 'server.db')}`, 'serve', '--listen', listen], {
    stdio: ['ignore', 'pipe', 'ignore'],
    env: { ...process.env, RUST_LOG: 'warn' },
  });
  const lines = createInterface({ input: child.stdout });
  const url = await new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error('the server did not start within 20 s')), 20_000);
    child.on('exit', (code) => fail(new Error(`the server exited with ${code}`)));
    lines.on('line', (line) => {
      const m = /^listening on (\S+)/.exec(line);
      if (m) {
        clearTimeout(timer);
        ok(m[1]);
      }
    });
  });
  return { child, url };
}

async function stopServer(server) {
  const exited = new Promise((ok) => server.child.once('exit', ok));
  server.child.kill('SIGKILL');
  await exited;
}

/** Run a command to completion; fails the test with its stderr otherwise. */
function run(bin, args, { env = {}, input = '' } = {}) {
  const r = spawnSync(bin, args, { input, env: { ...process.env, LANG: 'en_US.UTF-8', ...env }, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${bin} ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return r.stdout;
}

async function dragDeal(page, dealId, stage) {
  const card = page.locator(`[data-deal="${dealId}"]`);
  await card.waitFor();
  await card.scrollIntoViewIfNeeded();
  const target = page.locator(`[data-stage=${stage}]`);
  const from = await card.boundingBox();
  const to = await target.boundingBox();
  await page.mouse.move(from.x + 20, from.y + 12);
  await page.mouse.down();
  await page.mouse.move(from.x + 40, from.y + 30, { steps: 5 });
  await page.mouse.move(to.x + to.width / 2, to.y + 120, { steps: 15 });
  // Over another column the dragged card is still drawn, on top of everything
  // (not clipped by the column it came from).
  const onTop = await page.evaluate(
    ([x, y]) => Boolean(globalThis.document.elementFromPoint(x, y)?.closest('.deal.lifted')),
    [to.x + to.width / 2, to.y + 120],
  );
  assert(onTop, 'the dragged card is visible above the board while dragged');
  await page.mouse.up();
  await page.locator(`[data-stage=${stage}] [data-deal="${dealId}"]`).waitFor();
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
/** What tests started and must stop, whatever happens. */
const cleanups = [];
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
      await page.locator(`[data-stage=qualification] [data-deal="${dealId}"]`).waitFor();
      // The board scrolls inside itself; the page never scrolls sideways.
      const [pageWidth, viewWidth] = await page.evaluate(() => [globalThis.document.documentElement.scrollWidth, globalThis.innerWidth]);
      assert(pageWidth <= viewWidth, `the page is ${pageWidth}px wide in a ${viewWidth}px window`);
      await dragDeal(page, dealId, 'proposal');
      await page.getByRole('status').filter({ hasText: 'moved to Proposal' }).waitFor();
      const view = await call('account_view', { id: state.accountId });
      const deal = view.open_opportunities.find((d) => d.id === dealId);
      assert(deal.stage === 'proposal' && deal.probability === 50, `the deal is at ${deal.stage} ${deal.probability}%`);
      await page.reload();
      await page.locator(`[data-stage=proposal] [data-deal="${dealId}"]`).waitFor();
    },
  ],
  [
    'the board totals each column once in my currency, filters by owner and text, and shows more',
    async () => {
      // The demo user works in USD; the demo's deals are in CNY, USD and EUR.
      const usd = (minor) => new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' }).format(minor / 100);
      const boardTotal = page.getByTestId('board-total');
      // No rates yet: the deals in other currencies are said, not dropped.
      await boardTotal.getByTestId('without-rate').filter({ hasText: /deals? in CNY without a rate/ }).waitFor();
      const rates = [];
      for (const [from, rate] of [['CNY', '0.14'], ['EUR', '1.08']]) {
        const row = await call('create_record', { kind: 'exchange_rate', fields: { day: '2025-01-01', from_currency: from, to_currency: 'USD', rate } });
        rates.push(row.id);
      }
      // Enough deals in one stage for a second page.
      const extra = [];
      for (let i = 0; i < 60; i++) {
        const close = `2027-${String((i % 12) + 1).padStart(2, '0')}-15`;
        extra.push(call('create_deal', { account_id: state.accountId, name: `扩容 ${i}`, amount: '1000', currency: 'EUR', stage: 'needs-analysis', close_date: close }));
      }
      await Promise.all(extra);
      await page.reload();
      const columns = page.locator('[data-stage]');
      await columns.first().waitFor();
      const board = await call('pipeline', { today: new Date().toISOString().slice(0, 10) });
      assert(board.currency === 'USD' && board.open.without_rate.length === 0, `the board: ${JSON.stringify(board.open)}`);
      await boardTotal.filter({ hasText: usd(board.open.amount) }).waitFor();
      assert((await page.getByTestId('without-rate').count()) === 0, 'every currency has a rate now');
      const n = await columns.count();
      assert(n === board.columns.length, `${n} columns`);
      for (let i = 0; i < n; i++) {
        const totals = columns.nth(i).getByTestId('column-total');
        assert((await totals.count()) === 1, `column ${i} shows ${await totals.count()} totals`);
        const text = await totals.textContent();
        assert(text.startsWith('$') && !/CN¥|€/.test(text), `column ${i} total is "${text}", not one amount in USD`);
      }
      // Per currency on hover.
      const proposal = page.locator('[data-stage=proposal]');
      const hover = await proposal.getByTestId('column-total').getAttribute('title');
      assert(hover.includes('CN¥'), `the proposal total's tooltip is "${hover}"`);
      await page.screenshot({ path: join(shots, 'pipeline.png') });

      // Show more: the first 50 cards, then the next ones.
      const analysis = page.locator('[data-stage=needs-analysis]');
      const analysisCount = board.columns.find((c) => c.key === 'needs-analysis').count;
      assert(analysisCount > 60, `needs analysis holds ${analysisCount}`);
      await analysis.locator('[data-deal]').nth(49).waitFor();
      assert((await analysis.locator('[data-deal]').count()) === 50, 'a column starts with 50 cards');
      await analysis.getByRole('button', { name: 'Show more deals in Needs analysis' }).click();
      await analysis.locator('[data-deal]').nth(Math.min(analysisCount, 100) - 1).waitFor();
      const ids = await analysis.locator('[data-deal]').evaluateAll((els) => els.map((e) => e.dataset.deal));
      assert(new Set(ids).size === ids.length && ids.length === Math.min(analysisCount, 100), `${ids.length} cards after "show more"`);

      // Owner: only that person's cards, counted and totalled for them.
      const users = await call('list_users');
      const me = (await call('status')).user.id;
      const someone = users.find((u) => u.id !== me && board.columns.some((c) => c.deals.some((d) => d.owner_name === u.name)));
      const theirs = await call('pipeline', { owner_id: someone.id });
      const theirCount = theirs.columns.reduce((sum, c) => sum + c.count, 0);
      await page.getByLabel('Owner').selectOption(someone.id);
      await page.getByTestId('board-total').filter({ hasText: usd(theirs.open.amount) }).waitFor();
      const owners = await page.getByTestId('deal-owner').allTextContents();
      assert(owners.length > 0 && owners.length <= theirCount && owners.every((o) => o === someone.name), `owners shown: ${owners.slice(0, 5)}…`);
      await page.getByLabel('Owner').selectOption('');

      // Text: a Chinese substring of the account's name.
      await page.getByRole('searchbox', { name: 'Find a deal' }).fill('云杉');
      const found = await call('pipeline', { text: '云杉' });
      const foundCount = found.columns.reduce((sum, c) => sum + c.count, 0);
      assert(foundCount >= 61 && foundCount < board.columns.reduce((sum, c) => sum + c.count, 0), `云杉 finds ${foundCount}`);
      await page.waitForFunction(
        (expected) => globalThis.document.querySelectorAll('[data-deal]').length === expected,
        Math.min(found.columns.find((c) => c.key === 'needs-analysis').count, 50) +
          found.columns.filter((c) => c.key !== 'needs-analysis').reduce((sum, c) => sum + Math.min(c.count, 50), 0),
      );
      const names = await page.locator('[data-deal]').allTextContents();
      assert(names.every((t) => t.includes('云杉')), 'every card shown is a 云杉 deal');
      await page.screenshot({ path: join(shots, 'pipeline-filtered.png') });
      await page.getByRole('searchbox', { name: 'Find a deal' }).fill('');
      // The rates go again: the exchange-rate screen's test starts with none.
      for (const id of rates) await call('delete_record', { kind: 'exchange_rate', id });
    },
  ],
  [
    'a deal marked lost asks why, from the card’s menu',
    async () => {
      const dealId = await call('create_deal', { account_id: state.accountId, name: '云杉 试点项目', amount: '9000', currency: 'CNY' });
      await page.reload();
      const card = page.locator(`[data-deal="${dealId}"]`);
      await card.getByRole('combobox').selectOption('lost');
      const dialog = page.getByRole('dialog', { name: 'Mark “云杉 试点项目” as lost' });
      await dialog.getByLabel('Why it was lost').fill('预算冻结');
      await dialog.getByRole('button', { name: 'Mark as lost' }).click();
      await page.locator(`[data-stage=lost] [data-deal="${dealId}"]`).waitFor();
      const history = await call('history', { id: dealId });
      assert(history.some((h) => h.field === 'lost_reason' && h.new === '预算冻结'), 'the reason is recorded');
    },
  ],
  [
    'import the fair’s business cards (GB18030 CSV) into leads, duplicates left out',
    async () => {
      await page.goto(`${bridge.url}#/leads`);
      const before = (await call('list_leads', {})).length;
      await page.getByRole('button', { name: 'Import…' }).click();
      const dialog = page.getByRole('region', { name: 'Import from a file' });
      await dialog.getByLabel('File').setInputFiles(join(root, 'assets', 'samples', 'business-cards-gbk.csv'));
      const preview = dialog.getByTestId('import-preview');
      await preview.getByText('7 rows: 6 new, 1 look like records you have').waitFor();
      await preview.getByText(/Read as csv, gb18030/).waitFor();
      await page.screenshot({ path: join(shots, 'import.png') });
      await dialog.getByRole('button', { name: 'Import 6 records' }).click();
      await page.getByRole('status').filter({ hasText: '6 records imported.' }).waitFor();
      const leads = await call('list_leads', {});
      assert(leads.length === before + 6, `${leads.length - before} leads were added`);
      assert(leads.some((l) => l.name === '刘芳'), 'the Chinese names were read in the right encoding');
      await page.getByRole('cell', { name: '刘芳' }).waitFor();
    },
  ],
  [
    'import phone contacts (vCard) into contacts, with accounts for new companies',
    async () => {
      await page.goto(`${bridge.url}#/contacts`);
      await page.locator('[role=table] [role=row]').nth(1).waitFor();
      await page.getByRole('button', { name: 'Import…' }).click();
      const dialog = page.getByRole('region', { name: 'Import from a file' });
      await dialog.getByLabel('File').setInputFiles(join(root, 'assets', 'samples', 'phone-contacts.vcf'));
      const preview = dialog.getByTestId('import-preview');
      await preview.getByText(/Read as vcard/).waitFor();
      await preview.getByText(/accounts? will be created for/).waitFor();
      const summary = await preview.locator('p').first().textContent();
      const fresh = Number(/(\d+) new/.exec(summary)?.[1]);
      assert(fresh > 0, `the preview said "${summary}"`);
      await dialog.getByRole('button', { name: new RegExp(`^Import ${fresh} record`) }).click();
      await page.getByRole('status').filter({ hasText: `${fresh} record` }).waitFor();
      await page.getByRole('searchbox', { name: 'Find a person' }).fill('孙晓东');
      // The demo's invented people may share the name: the imported one is known by her card's email.
      await page.getByRole('row', { name: /孙晓东.*sunxd@tianyu-energy\.cn/ }).waitFor();
    },
  ],
  [
    'a manager hands a departing rep’s records to a colleague in one action',
    async () => {
      const before = await call('account_view', { id: state.accountId });
      const users = await call('list_users');
      const leaving = users.find((u) => u.id === before.account.owner_id);
      const taking = users.find((u) => u.active && u.id !== leaving.id);
      await page.goto(`${bridge.url}#/settings`);
      const card = page.getByRole('region', { name: 'Hand over a departing colleague’s records' });
      await card.getByLabel('Leaving').selectOption(leaving.id);
      await card.getByLabel('Taking over').selectOption(taking.id);
      await card.getByRole('button', { name: 'Hand over' }).click();
      const confirm = card.getByRole('group');
      await confirm.getByText(`Give all of ${leaving.name}’s`).waitFor();
      await confirm.getByRole('button', { name: 'Hand over' }).click();
      await page.getByRole('status').filter({ hasText: `are now ${taking.name}’s` }).waitFor();
      const after = await call('account_view', { id: state.accountId });
      assert(after.account.owner_id === taking.id, 'the account changed hands');
      await page.screenshot({ path: join(shots, 'handover.png') });
    },
  ],
  [
    'a kind with no screen of its own gets one from its description: exchange rates',
    async () => {
      await page.goto(`${bridge.url}#/settings`);
      await page.getByRole('link', { name: 'Exchange rates' }).click();
      await page.getByRole('heading', { name: 'Exchange rates' }).waitFor();
      await page.getByRole('button', { name: 'New' }).click();
      const form = page.getByRole('form', { name: 'New' });
      await form.getByLabel('Day').fill('2026-12-01');
      await form.getByLabel('From').fill('usd');
      await form.getByLabel('To').fill('CNY');
      await form.getByLabel('Rate').fill('7,12340');
      await form.getByRole('button', { name: 'Save' }).click();
      const row = page.getByRole('row', { name: /USD.*CNY.*7\.1234/ });
      await row.waitFor();
      // A value the field's check refuses is said at the field's form, not saved.
      await row.getByRole('button', { name: 'Edit' }).click();
      const edit = page.getByRole('form', { name: 'Edit' });
      await edit.getByLabel('Rate').fill('0');
      await edit.getByRole('button', { name: 'Save' }).click();
      await edit.getByRole('alert').waitFor();
      await edit.getByLabel('Rate').fill('7.2');
      await edit.getByRole('button', { name: 'Save' }).click();
      await page.getByRole('row', { name: /USD.*CNY.*7\.2/ }).waitFor();
      const rates = await call('list_records', { kind: 'exchange_rate' });
      assert(rates.total === 1 && rates.rows[0].fields.rate === '7.2', `stored ${JSON.stringify(rates.rows)}`);
      await page.screenshot({ path: join(shots, 'records.png') });
      // Deleted, then undone.
      await page.getByRole('row', { name: /USD/ }).getByRole('button', { name: 'Delete' }).click();
      await page.getByText('Nothing here yet.').waitFor();
      await page.getByRole('button', { name: 'Undo' }).click();
      await page.getByRole('row', { name: /USD.*CNY.*7\.2/ }).waitFor();
    },
  ],
  [
    'tasks on the generic record path: add one due today, see it among today’s, mark it done',
    async () => {
      await page.goto(`${bridge.url}#/tasks`);
      await page.getByRole('heading', { name: 'Tasks' }).waitFor();
      const form = page.getByRole('form', { name: 'New task' });
      await form.getByRole('textbox').first().fill('Send the revised offer to 上海云杉');
      await form.getByRole('button', { name: 'Add' }).click();
      const box = page.getByRole('checkbox', { name: /Send the revised offer to 上海云杉/ });
      await box.waitFor();
      const open = await call('list_records', {
        kind: 'task',
        filter: { title: 'Send the revised offer to 上海云杉' },
        conditions: [{ field: 'done_at', op: 'unset', value: null }],
      });
      assert(open.total === 1, `one open task: ${JSON.stringify(open.rows)}`);
      assert(open.rows[0].fields.assignee_id, 'a person’s new task is theirs (the description’s owner)');
      await page.screenshot({ path: join(shots, 'tasks.png') });
      // Today lists the same record among today's promises.
      await page.goto(`${bridge.url}#/today`);
      const dueToday = page.getByRole('region', { name: 'Due today' });
      await dueToday.getByRole('checkbox', { name: /Send the revised offer to 上海云杉/ }).waitFor();
      await page.goto(`${bridge.url}#/tasks`);
      await box.waitFor();
      await box.check();
      await box.waitFor({ state: 'detached' });
      const after = await call('list_records', {
        kind: 'task',
        filter: { title: 'Send the revised offer to 上海云杉' },
        conditions: [{ field: 'done_at', op: 'set', value: null }],
      });
      assert(after.total === 1, 'it is done');
    },
  ],
  [
    'a file in the data folder that is not a CRM database is explained and left alone',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'crm-e2e-bad-'));
      cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
      writeFileSync(join(dir, 'crm.db'), 'quarterly figures, not a database');
      const bad = await startBridge(dir);
      cleanups.push(() => bad.child.kill('SIGINT'));
      const tab = await context.newPage();
      state.current = tab;
      await tab.goto(`${bad.url}?token=${bad.token}#/accounts`);
      await tab.getByRole('heading', { name: 'The database cannot be opened' }).waitFor();
      const alert = await tab.getByRole('alert').textContent();
      assert(alert.includes('is not a CRM database; it was left untouched'), `the page said "${alert}"`);
      assert((await tab.getByTestId('load-demo').count()) === 0, 'nothing offers to write over the file');
      assert(readFileSync(join(dir, 'crm.db'), 'utf8') === 'quarterly figures, not a database', 'the file is intact');
      await tab.close();
      state.current = null;
    },
  ],
  [
    'in Chinese, Sync lists waiting changes and asks to sign in first',
    async () => {
      await page.goto(`${bridge.url}#/settings`);
      await page.getByLabel('Language').selectOption('zh');
      await page.getByRole('heading', { name: '设置' }).waitFor();
      await page.goto(`${bridge.url}#/sync`);
      await page.getByRole('heading', { name: '同步', level: 1, exact: true }).waitFor();
      await page.getByTestId('pending').filter({ hasText: /^\d+ 项本地修改等待同步$/ }).waitFor();
      await page.getByText('登录团队服务器后').waitFor();
      // The oldest waiting changes are listed, the account made above among them.
      const waiting = page.getByRole('region', { name: '等待同步的修改' });
      await waiting.getByRole('row').filter({ hasText: '客户 · 新建' }).first().waitFor();
      assert(await page.getByRole('button', { name: '立即同步' }).isDisabled(), 'no sync before signing in');
      // This database holds the demo: signing in says it sets the demo aside.
      await page.getByTestId('demo-notice').filter({ hasText: '演示数据' }).waitFor();
      await page.getByRole('button', { name: '移开演示数据并登录' }).waitFor();
      await page.screenshot({ path: join(shots, 'sync-zh.png') });
    },
  ],
  [
    'work offline and resolve a sync conflict against a real server',
    async () => {
      // A team server, with Li (a rep) and her manager.
      const serverDir = mkdtempSync(join(tmpdir(), 'crm-e2e-server-'));
      cleanups.push(() => rmSync(serverDir, { recursive: true, force: true }));
      let server = await startServer(serverDir);
      cleanups.push(() => server.child.kill('SIGKILL'));
      const admin = (args) => run(serverBin, ['--database', `sqlite://${join(serverDir, 'server.db')}`, ...args], { input: PASSWORD });
      admin(['user', 'add', '--email', 'li@example.com', '--name', '李伟', '--role', 'rep', '--team', 'East']);
      admin(['user', 'add', '--email', 'boss@example.com', '--name', 'Zhang Boss', '--role', 'manager', '--team', 'East']);

      // Li's laptop: a fresh app, created from the welcome screen.
      const liDir = mkdtempSync(join(tmpdir(), 'crm-e2e-li-'));
      const li = await startBridge(liDir);
      cleanups.push(() => li.child.kill('SIGINT'), () => rmSync(liDir, { recursive: true, force: true }));
      const liCall = api(li);
      const tab = await context.newPage();
      state.current = tab;
      tab.setDefaultTimeout(30_000); // a fresh bridge, a server and the CLI start here
      tab.on('pageerror', (e) => consoleErrors.push(String(e)));
      await tab.goto(`${li.url}?token=${li.token}#/sync`);
      await tab.getByLabel('Name').fill('Li Wei');
      await tab.getByRole('button', { name: 'Create my database' }).click();
      // An empty book says how to start, not "no account matches".
      await tab.goto(`${li.url}#/accounts`);
      await tab.getByText('No accounts yet: create one with “New account”').waitFor();

      // Sign in from the Sync screen; a wrong password is explained.
      await tab.goto(`${li.url}#/sync`);
      const form = tab.getByRole('form', { name: 'Team server and login' });
      await form.getByLabel('Team server').fill(server.url);
      await form.getByLabel('Email').fill('li@example.com');
      await form.getByLabel('Password').fill('wrong');
      await form.getByRole('button', { name: 'Sign in' }).click();
      await form.getByRole('alert').filter({ hasText: 'Wrong email or password.' }).waitFor();
      await form.getByLabel('Password').fill(PASSWORD);
      await form.getByRole('button', { name: 'Sign in' }).click();
      await tab.getByTestId('signed-in').filter({ hasText: 'li@example.com' }).waitFor();

      const accountId = await liCall('create_account', { fields: { name: '杭州青禾茶业' } });
      const dealId = await liCall('create_deal', { account_id: accountId, name: '青禾 年度订阅', amount: '80000', currency: 'CNY' });
      await tab.getByRole('button', { name: 'Sync now' }).click();
      await tab.getByTestId('sync-outcome').filter({ hasText: 'Sync complete' }).waitFor();

      // The manager, at the office, moves the deal to negotiation.
      const bossDir = mkdtempSync(join(tmpdir(), 'crm-e2e-boss-'));
      cleanups.push(() => rmSync(bossDir, { recursive: true, force: true }));
      const boss = (args, input) => run(cliBin, args, { env: { CRM_DATA_DIR: bossDir }, input });
      boss(['init', '--name', 'Zhang Boss', '--currency', 'CNY']);
      boss(['login', '--server', server.url, '--email', 'boss@example.com'], PASSWORD);
      boss(['sync']);
      boss(['deal', 'move', dealId, '--stage', 'negotiation']);
      boss(['sync']);

      // Li is offline (the server is gone) and moves the same deal on the board.
      const listen = server.url.replace(/^http:\/\//, '');
      await stopServer(server);
      await tab.goto(`${li.url}#/pipeline`);
      await dragDeal(tab, dealId, 'proposal');
      await tab.goto(`${li.url}#/sync`);
      await tab.getByTestId('pending').filter({ hasText: '1 local change waits' }).waitFor();
      await tab.getByRole('button', { name: 'Sync now' }).click();
      const offline = await tab.getByTestId('sync-outcome').textContent();
      assert(offline.includes('cannot be reached') && offline.includes('1 change is safe'), `offline sync said "${offline}"`);
      await tab.getByTestId('pending').filter({ hasText: '1 local change waits' }).waitFor();
      await tab.getByRole('status').filter({ hasText: 'Team server not reachable' }).waitFor();
      await tab.locator('nav .nav-badge').filter({ hasText: /^1/ }).waitFor();
      await tab.screenshot({ path: join(shots, 'sync-offline.png') });

      // Back online: the stage is high-stakes, so both values are shown.
      server = await startServer(serverDir, listen);
      await tab.getByRole('button', { name: 'Sync now' }).click();
      // Moving a deal sets its stage and probability: one decision, not two.
      await tab.getByTestId('sync-outcome').filter({ hasText: '1 item needs your decision' }).waitFor();
      await tab.locator('nav .nav-badge.attention').filter({ hasText: /^1/ }).waitFor();
      const conflict = tab.getByRole('listitem', { name: '青禾 年度订阅 · Stage, Probability' });
      const mine = await conflict.locator('[data-side=mine]').textContent();
      const theirs = await conflict.locator('[data-side=theirs]').textContent();
      assert(mine.includes('Proposal') && mine.includes('50%') && mine.includes('by 李伟'), `mine shows "${mine}"`);
      assert(theirs.includes('Negotiation') && theirs.includes('75%') && theirs.includes('by Zhang Boss'), `theirs shows "${theirs}"`);
      await tab.screenshot({ path: join(shots, 'sync-conflict.png') });

      // Li keeps hers; after both sync, the manager's laptop agrees.
      await conflict.getByRole('button', { name: 'Keep “Proposal · 50%”' }).click();
      await conflict.waitFor({ state: 'detached' });
      await tab.locator('nav .nav-badge.attention').waitFor({ state: 'detached' });
      await tab.getByRole('button', { name: 'Sync now' }).click();
      await tab.getByTestId('sync-outcome').filter({ hasText: 'Sync complete:' }).waitFor();
      boss(['sync']);
      const shown = JSON.parse(boss(['--json', 'deal', 'show', dealId]));
      const stage = shown.stage ?? shown.deal?.stage;
      assert(stage === 'proposal', `the manager's laptop has the deal at ${stage}`);
      const conflicts = JSON.parse(boss(['--json', 'conflicts', 'list']));
      assert(conflicts.length === 0, `the manager still sees ${conflicts.length} conflicts`);
      await tab.close();
      state.current = null;
    },
  ],
  [
    'the demo laptop signs in to a team: the demo is set aside and none of it is sent',
    async () => {
      const serverDir = mkdtempSync(join(tmpdir(), 'crm-e2e-team-'));
      cleanups.push(() => rmSync(serverDir, { recursive: true, force: true }));
      const server = await startServer(serverDir);
      cleanups.push(() => server.child.kill('SIGKILL'));
      run(serverBin, ['--database', `sqlite://${join(serverDir, 'server.db')}`, 'user', 'add', '--email', 'wang@example.com', '--name', '王芳', '--role', 'rep', '--team', 'East'], {
        input: PASSWORD,
      });
      // The demo app, in Chinese since the test above.
      await page.goto(`${bridge.url}#/sync`);
      const form = page.getByRole('form', { name: '团队服务器与登录' });
      await form.getByTestId('demo-notice').waitFor();
      await form.getByLabel('团队服务器').fill(server.url);
      await form.getByLabel('邮箱').fill('wang@example.com');
      await form.getByLabel('密码').fill(PASSWORD);
      await form.getByRole('button', { name: '移开演示数据并登录' }).click();
      await page.getByTestId('signed-in').filter({ hasText: 'wang@example.com' }).waitFor();
      // Her own database, empty; the demo kept in a file of its own.
      const kept = readdirSync(dataDir).filter((f) => /^crm-demo-.*\.db$/.test(f));
      assert(kept.length === 1, `the data folder holds ${readdirSync(dataDir).join(', ')}`);
      await page.goto(`${bridge.url}#/accounts`);
      await page.getByText('还没有客户').waitFor();
      // Her first sync sends nothing invented.
      await page.goto(`${bridge.url}#/sync`);
      await page.getByRole('button', { name: '立即同步' }).click();
      await page.getByTestId('sync-outcome').filter({ hasText: '同步完成：发送 0 项' }).waitFor();
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
    await (state.current ?? page).screenshot({ path: join(shots, `failed-${passed + failed}.png`) }).catch(() => {});
    state.current = null;
  }
}
if (consoleErrors.length) {
  failed += 1;
  console.log(`FAIL the page logged no errors\n     ${consoleErrors.join('\n     ')}`);
}

await browser.close();
for (const cleanup of cleanups.reverse()) {
  try {
    cleanup();
  } catch {
    // Already gone.
  }
}
bridge.child.kill('SIGINT');
rmSync(dataDir, { recursive: true, force: true });
console.log(`e2e: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
