// The HTML viewer in Debian's Chromium (run by tools/browser_test.sh): the
// pages `pyi render -r html` writes for the C example host's session
// (c_host.html), a two-thread session (demo.html) and a session whose every
// string is markup (hostile.html), served from 127.0.0.1.
//
// Every test asserts that the page logs no console error, throws no page
// error, opens no dialog and makes no request but for the page itself (a
// route fails anything else). Beyond that: the views switch, the options
// change what is shown, the call stack answers the keyboard, search
// highlights, a dropped .pb replaces the profile, choices survive a reload,
// and hostile names show literally and run nothing.
//
// Input files come from $PYI_BROWSER_PROFILES (default out/browser);
// screenshots go to out/screenshots/viewer-*.png.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '../..');
const profilesDir =
    process.env.PYI_BROWSER_PROFILES ?? path.join(repo, 'out/browser');
const screenshotsDir = path.join(repo, 'out/screenshots');

const CHROMIUM_FLAGS = [
  '--headless', '--no-sandbox', '--disable-gpu',
  '--disable-background-networking', '--disable-component-update',
  '--no-first-run',
];

// The strings tests/browser/make_profiles.cc --hostile puts in the session.
const HOSTILE = {
  target: "<script>alert('target')</script> & <b>not bold</b>",
  frames: [
    '</script><img src=x onerror=alert(1)>',
    '{{constructor}}',
    '<b>bold</b>',
    '__proto__',
    'javascript:alert(4)',
  ],
  files: ['/src/<script>.cc', '/src/${alert(3)}.cc'],
  thread: '<svg onload=alert(5)>',
};

const VIEWS = ['call-stack', 'timeline', 'icicle', 'inverted'];

// Serves the rendered pages (*.html in the profiles directory), nothing else.
function servePages() {
  const server = http.createServer((request, response) => {
    const name = new URL(request.url, 'http://127.0.0.1').pathname.slice(1);
    const file = path.join(profilesDir, path.basename(name));
    if (!name.endsWith('.html') || name.includes('/') ||
        !fs.existsSync(file)) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    fs.createReadStream(file).pipe(response);
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

let server;
let origin;
let browser;

before(async () => {
  server = await servePages();
  origin = `http://127.0.0.1:${server.address().port}`;
  // launch() gives every run a fresh temporary profile directory; each test
  // gets its own context, so localStorage starts empty in each.
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: CHROMIUM_FLAGS,
  });
  fs.mkdirSync(screenshotsDir, { recursive: true });
});

after(async () => {
  await browser?.close();
  server?.close();
});

// Makes every timer and animation frame in the page fire `delayMs` late, as
// on a machine too busy to paint: work the viewer defers to after a paint
// then cannot race the test's next step by luck.
function delayTimersScript(delayMs) {
  return `{
    const setTimeoutNow = window.setTimeout.bind(window);
    const frameNow = window.requestAnimationFrame.bind(window);
    window.setTimeout = (callback, ms = 0, ...args) =>
        setTimeoutNow(callback, Number(ms) + ${delayMs}, ...args);
    window.requestAnimationFrame = (callback) => {
      setTimeoutNow(() => frameNow(callback), ${delayMs});
      return 0;
    };
  }`;
}

// Opens `name` (c_host.html, ...) in a new context and waits for the viewer.
// Returns the page and a `finish()` that closes it and asserts that nothing
// went wrong meanwhile. `timerDelayMs` delays the page's timers (above).
async function open(name, { timerDelayMs = 0 } = {}) {
  const context = await browser.newContext({
    viewport: { width: 1280, height: 800 },
  });
  if (timerDelayMs > 0) {
    await context.addInitScript(delayTimersScript(timerDelayMs));
  }
  const page = await context.newPage();
  const pageUrl = `${origin}/${name}`;
  const problems = [];
  const requests = [];
  page.on('pageerror', (error) => problems.push(`page error: ${error}`));
  page.on('console', (message) => {
    if (message.type() === 'error') {
      problems.push(`console error: ${message.text()}`);
    }
  });
  page.on('dialog', async (dialog) => {
    problems.push(`dialog: ${dialog.type()} ${dialog.message()}`);
    await dialog.dismiss();
  });
  // The page itself is the one request allowed; anything else (a font, a
  // favicon, an image a frame name smuggled in) fails and is recorded.
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url === pageUrl) return route.continue();
    requests.push(url);
    return route.abort();
  });
  page.on('requestfailed', (request) => {
    if (request.url() !== pageUrl && !requests.includes(request.url())) {
      requests.push(request.url());
    }
  });
  await page.goto(pageUrl);
  await waitReady(page);
  return {
    page,
    async finish() {
      await context.close();
      assert.deepEqual(problems, [], 'console errors, page errors, dialogs');
      assert.deepEqual(requests, [], 'requests other than the page');
    },
  };
}

async function waitReady(page) {
  await page.waitForFunction(() => window.__pyiViewer?.ready === true,
      null, { timeout: 15000 });
}

async function shoot(page, name) {
  await page.screenshot({ path: path.join(screenshotsDir, `viewer-${name}.png`) });
}

async function switchView(page, view) {
  await page.click(`[data-testid=view-${view}]`);
  await page.waitForFunction((v) => window.__pyiViewer.view === v, view);
  await page.locator(`[data-testid=view-body-${view}]`).waitFor();
  // Canvas views draw on the next animation frame.
  await page.evaluate(() => new Promise((r) =>
      requestAnimationFrame(() => requestAnimationFrame(r))));
}

// The call-stack rows on screen: function name, depth, open, selected.
function rows(page) {
  return page.$$eval('[data-testid=callstack-row]', (els) => els.map((e) => ({
    frame: e.getAttribute('data-frame'),
    text: e.textContent,
    depth: Number(e.getAttribute('aria-level')),
    open: e.getAttribute('aria-expanded'),
    selected: e.getAttribute('aria-selected') === 'true',
    match: e.classList.contains('match'),
  })));
}

async function selectedRow(page) {
  return (await rows(page)).find((r) => r.selected) ?? null;
}

async function openOptions(page) {
  if (await page.locator('[data-testid=options-panel]').count() === 0) {
    await page.click('[data-testid=options-toggle]');
  }
  await page.locator('[data-testid=options-panel]').waitFor();
}

function pbBase64(name) {
  return fs.readFileSync(path.join(profilesDir, name)).toString('base64');
}

// What a file dragged from the desktop and dropped on the page sends.
async function dropFile(page, base64, fileName) {
  await page.evaluate(({ base64, fileName }) => {
    const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
    const transfer = new DataTransfer();
    transfer.items.add(new File([bytes], fileName,
        { type: 'application/octet-stream' }));
    const init = { dataTransfer: transfer, bubbles: true, cancelable: true };
    document.body.dispatchEvent(new DragEvent('dragenter', init));
    document.body.dispatchEvent(new DragEvent('dragover', init));
    document.body.dispatchEvent(new DragEvent('drop', init));
  }, { base64, fileName });
}

describe('HTML viewer in Chromium', () => {
  test('c_host page: the header, every view, no request', async () => {
    const { page, finish } = await open('c_host.html');
    try {
      assert.match(await page.textContent('[data-testid=header-target]'),
          /^c_host: particle engine/);
      assert.equal(await page.title(), 'libpyinstrument profile');
      const samples = Number(
          (await page.textContent('[data-testid=header-samples]'))
              .replace(/,/g, ''));
      assert.ok(samples > 100, `samples: ${samples}`);
      assert.equal(await page.evaluate(() => window.__pyiViewer.view),
          'call-stack');
      const names = (await rows(page)).map((r) => r.frame);
      for (const f of ['main', 'run_engine', 'render_frame', 'step_physics']) {
        assert.ok(names.includes(f), `${f} in ${names}`);
      }
      await shoot(page, 'c_host-call-stack');

      for (const view of VIEWS.slice(1)) {
        await switchView(page, view);
        const visible = await page.evaluate(
            () => window.__pyiViewer.visibleFrameCount());
        assert.ok(visible > 0, `${view}: ${visible} frames visible`);
        if (view === 'inverted') {
          // The callers tree starts from where time was spent.
          const roots = (await rows(page)).filter((r) => r.depth === 1)
              .map((r) => r.frame);
          assert.ok(roots.includes('apply_forces'), `roots: ${roots}`);
        } else {
          assert.equal(await page.locator(
              `[data-testid=${view}-canvas]`).count(), 1);
        }
        await shoot(page, `c_host-${view}`);
      }
      await switchView(page, 'call-stack');
      assert.ok((await rows(page)).length > 0);
    } finally {
      await finish();
    }
  });

  test('two-thread page: thread selector and both lanes', async () => {
    const { page, finish } = await open('demo.html');
    try {
      assert.equal(await page.textContent('[data-testid=header-target]'),
          'browser-test demo');
      const options = await page.$$eval('[data-testid=thread-select] option',
          (els) => els.map((e) => e.textContent));
      assert.deepEqual(options,
          ['main (id 1001)', 'asset-loader (id 1002)']);
      assert.ok((await rows(page)).some((r) => r.frame === 'main_loop'));

      await page.selectOption('[data-testid=thread-select]', '1');
      await page.waitForFunction(() => [...document.querySelectorAll(
          '[data-testid=callstack-row]')].some(
          (e) => e.getAttribute('data-frame') === 'decode_png'));
      const names = (await rows(page)).map((r) => r.frame);
      assert.ok(names.includes('worker_main'));
      assert.ok(!names.includes('main_loop'));
      await shoot(page, 'demo-thread2');

      await switchView(page, 'timeline');
      // One lane per thread: more frames than either thread alone has.
      const visible = await page.evaluate(
          () => window.__pyiViewer.visibleFrameCount());
      assert.ok(visible >= 6, `timeline shows ${visible} frames`);
      assert.ok(await page.isDisabled('[data-testid=thread-select]'));
      await shoot(page, 'demo-timeline');
    } finally {
      await finish();
    }
  });

  test('hostile names show literally and run nothing', async () => {
    const { page, finish } = await open('hostile.html');
    try {
      assert.equal(await page.textContent('[data-testid=header-target]'),
          HOSTILE.target);
      const text = await page.evaluate(() => document.body.innerText);
      for (const s of [...HOSTILE.frames, ...HOSTILE.files, HOSTILE.thread]) {
        assert.ok(text.includes(s), `${s} shown as text`);
      }
      const frames = (await rows(page)).map((r) => r.frame);
      for (const s of HOSTILE.frames) assert.ok(frames.includes(s), s);

      // Nothing became an element or an attribute: no <img>, <b>, <svg>,
      // <i>, <u>, no inline handler anywhere, and the one data script.
      const found = await page.evaluate(() => ({
        img: document.querySelectorAll('img').length,
        b: document.querySelectorAll('b').length,
        svg: document.querySelectorAll('svg').length,
        i: document.querySelectorAll('i').length,
        u: document.querySelectorAll('u').length,
        handlers: [...document.querySelectorAll('*')].filter((e) =>
            [...e.attributes].some((a) => a.name.startsWith('on'))).length,
        dataScripts: document.querySelectorAll('#pyi-session').length,
      }));
      assert.deepEqual(found, { img: 0, b: 0, svg: 0, i: 0, u: 0,
        handlers: 0, dataScripts: 1 });
      // Template syntax was not evaluated: "{{constructor}}" did not become
      // "function Object() ...".
      assert.ok(!text.includes('function Object'));
      await shoot(page, 'hostile-call-stack');

      // The search box takes the names literally too.
      await page.fill('[data-testid=search-input]', '{{constructor}}');
      await page.waitForFunction(() => document.querySelector(
          '[data-testid=search-info]')?.textContent === '1 frame match');
      const matched = (await rows(page)).filter((r) => r.match)
          .map((r) => r.frame);
      assert.deepEqual(matched, ['{{constructor}}']);

      // The canvas views' tooltip is DOM text as well.
      await switchView(page, 'icicle');
      const box = await page.locator('[data-testid=icicle-canvas]')
          .boundingBox();
      await page.mouse.move(box.x + box.width / 2, box.y + 8);
      const tooltip = page.locator('[data-testid=tooltip]');
      await tooltip.waitFor({ timeout: 5000 });
      assert.ok((await tooltip.textContent()).includes(HOSTILE.frames[0]));
      assert.equal(await page.evaluate(
          () => document.querySelectorAll('img').length), 0);
      await shoot(page, 'hostile-icicle');
    } finally {
      await finish();
    }
  });

  test('options change what is shown', async () => {
    const { page, finish } = await open('demo.html');
    try {
      await openOptions(page);
      const before = await rows(page);
      const count = (selector) => page.$$eval(selector, (els) => els.length);
      // Waits until the number of `selector` matches compares to `n`.
      const waitCount = (selector, op, n) => page.waitForFunction(
          ([s, o, k]) => {
            const m = document.querySelectorAll(s).length;
            return o === '<' ? m < k : o === '>' ? m > k :
                o === '>=' ? m >= k : m === k;
          },
          [selector, op, n]);

      // Time: seconds, then percent of the total.
      assert.match(before[0].text, /\d\.\d{3}/);
      await page.check('[data-testid=option-time-percent]');
      await page.waitForFunction(() => document.querySelector(
          '[data-testid=callstack-row]')?.textContent.includes('%'));

      // Threshold: at 20% memcpy (14%) goes, render_frame (57%) stays.
      await page.fill('[data-testid=option-threshold]', '20');
      await waitCount('[data-testid=callstack-row]', '<', before.length);
      const big = (await rows(page)).map((r) => r.frame);
      assert.ok(big.includes('render_frame'), `${big}`);
      assert.ok(!big.includes('memcpy'), `${big}`);
      await page.fill('[data-testid=option-threshold]', '0');
      await waitCount('[data-testid=callstack-row]', '>=', before.length);

      // Library code: frames a custom pattern hides (here every one) fold
      // into a "N frames hidden" row: render_frame (no time of its own) and
      // memcpy (under the 20% share that keeps a frame shown); "off" shows
      // every frame again.
      assert.equal(await count('[data-testid=callstack-group]'), 0);
      await page.check('[data-testid=option-library-custom]');
      await page.fill('[data-testid=option-hide-regex]', '.*');
      await waitCount('[data-testid=callstack-group]', '>', 0);
      assert.match(await page.textContent('[data-testid=callstack-group]'),
          /^.2 frames hidden \(libc\)$/);
      assert.ok(!(await rows(page)).some((r) => r.frame === 'render_frame'));
      await shoot(page, 'demo-options');
      await page.check('[data-testid=option-library-off]');
      await waitCount('[data-testid=callstack-group]', '===', 0);
      assert.ok((await rows(page)).some((r) => r.frame === 'render_frame'));
      await page.check('[data-testid=option-library-collapse]');
      assert.ok(await page.isChecked('[data-testid=option-library-collapse]'));

      // Hidden frames: a switch the tree follows without error.
      const hidden = page.locator('[data-testid=option-remove-hidden]');
      const wasChecked = await hidden.isChecked();
      await hidden.setChecked(!wasChecked);
      assert.equal(await hidden.isChecked(), !wasChecked);
      assert.ok((await rows(page)).length > 0);
      await hidden.setChecked(wasChecked);

      await page.click('[data-testid=option-reset]');
      await page.waitForFunction(() => !document.querySelector(
          '[data-testid=callstack-row]')?.textContent.includes('%'));
    } finally {
      await finish();
    }
  });

  test('keyboard moves through the call stack', async () => {
    const { page, finish } = await open('demo.html');
    try {
      await page.focus('[data-testid=callstack]');
      const press = async (key) => {
        await page.keyboard.press(key);
        await page.evaluate(() => new Promise(requestAnimationFrame));
      };
      // main_loop > render_frame > draw_sprites > [self], memcpy;
      //             physics_step; [self]
      await press('ArrowDown');
      assert.equal((await selectedRow(page)).frame, 'main_loop');
      await press('ArrowDown');
      assert.equal((await selectedRow(page)).frame, 'render_frame');
      assert.equal((await selectedRow(page)).open, 'true');

      await press('ArrowLeft');  // closes render_frame
      assert.equal((await selectedRow(page)).open, 'false');
      assert.ok(!(await rows(page)).some((r) => r.frame === 'draw_sprites'));
      await press('ArrowLeft');  // on a closed row: to its parent
      assert.equal((await selectedRow(page)).frame, 'main_loop');
      await press('ArrowDown');
      await press('ArrowRight');  // opens render_frame again
      assert.equal((await selectedRow(page)).open, 'true');
      await press('ArrowRight');  // already open: onto its first child
      assert.equal((await selectedRow(page)).frame, 'draw_sprites');

      await press('Enter');  // toggles draw_sprites closed
      assert.equal((await selectedRow(page)).open, 'false');
      assert.ok(!(await rows(page)).some((r) => r.frame === 'memcpy'));
      await press('Alt+ArrowLeft');
      await press('ArrowUp');
      await press('ArrowUp');
      assert.equal((await selectedRow(page)).frame, 'main_loop');
      await press('Alt+ArrowLeft');  // the whole subtree closed
      assert.equal((await rows(page)).length, 1);
      await press('Alt+ArrowRight');  // and the whole subtree opened
      const all = await rows(page);
      assert.ok(all.some((r) => r.frame === 'memcpy'), 'memcpy visible');
      assert.ok(all.filter((r) => r.open !== null).every(
          (r) => r.open === 'true'));
      await shoot(page, 'demo-keyboard');
    } finally {
      await finish();
    }
  });

  test('search highlights matching frames', async () => {
    const { page, finish } = await open('c_host.html');
    try {
      const info = '[data-testid=search-info]';
      await page.fill('[data-testid=search-input]', 'physics');
      await page.waitForFunction((s) => document.querySelector(s)
          ?.textContent === '1 frame match', info);
      let matched = (await rows(page)).filter((r) => r.match)
          .map((r) => r.frame);
      assert.deepEqual(matched, ['step_physics']);

      await page.fill('[data-testid=search-input]', '/^(apply_forces|integrate)$/');
      await page.waitForFunction((s) => document.querySelector(s)
          ?.textContent === '2 frames match', info);
      matched = (await rows(page)).filter((r) => r.match).map((r) => r.frame);
      assert.deepEqual(matched.sort(), ['apply_forces', 'integrate']);
      await shoot(page, 'c_host-search');

      // An invalid regex says so and highlights nothing.
      await page.fill('[data-testid=search-input]', '/(/');
      await page.waitForFunction((s) => document.querySelector(s)
          ?.classList.contains('error'), info);
      assert.equal((await rows(page)).filter((r) => r.match).length, 0);

      // In the flame graph too (drawn on the canvas; no error is enough).
      await page.fill('[data-testid=search-input]', 'physics');
      await switchView(page, 'icicle');
      await shoot(page, 'c_host-icicle-search');
    } finally {
      await finish();
    }
  });

  test('a dropped .pb replaces the profile', async () => {
    const { page, finish } = await open('demo.html');
    try {
      assert.equal(await page.textContent('[data-testid=header-target]'),
          'browser-test demo');
      await dropFile(page, pbBase64('c_host.pb'), 'c_host.pb');
      await page.waitForFunction(() => document.querySelector(
          '[data-testid=header-target]')?.textContent
          .startsWith('c_host: particle engine'));
      await waitReady(page);
      assert.ok((await rows(page)).some((r) => r.frame === 'run_engine'));
      await shoot(page, 'dropped');

      // A file that is not a session leaves the profile where it was.
      await dropFile(page, Buffer.from('not a session').toString('base64'),
          'notes.txt');
      await page.waitForTimeout(300);
      assert.match(await page.textContent('[data-testid=header-target]'),
          /^c_host: particle engine/);
    } finally {
      await finish();
    }
  });

  // Timers run 1 s late, so a choice written after the next paint rather
  // than when it is made would be lost by the reload at once.
  test('view and options persist across a reload', async () => {
    const { page, finish } = await open('demo.html', { timerDelayMs: 1000 });
    try {
      await switchView(page, 'timeline');
      await openOptions(page);
      await page.check('[data-testid=option-time-percent]');
      await page.reload();
      await waitReady(page);
      assert.equal(await page.evaluate(() => window.__pyiViewer.view),
          'timeline');
      await openOptions(page);
      assert.ok(await page.isChecked('[data-testid=option-time-percent]'));
      const stored = await page.evaluate(() => Object.keys(localStorage));
      assert.ok(stored.length > 0, 'something in localStorage');
    } finally {
      await finish();
    }
  });
});
