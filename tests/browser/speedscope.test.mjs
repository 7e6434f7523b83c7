// speedscope as a real reader of our exports (run by tools/browser_test.sh):
//   1. every *.speedscope.json validates against the schema the speedscope
//      package ships (ajv);
//   2. speedscope's own app, served from 127.0.0.1 and driven in Debian's
//      Chromium, loads each speedscope, collapsed and pprof file through its
//      file input and shows it: the profile's name in the toolbar and its
//      frames in the sandwich view's table, with no page error, no error
//      dialog and no request leaving 127.0.0.1.
// Input files come from $PYI_BROWSER_PROFILES (default out/browser);
// screenshots go to out/screenshots/.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import Ajv from 'ajv';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '../..');
const profilesDir =
    process.env.PYI_BROWSER_PROFILES ?? path.join(repo, 'out/browser');
const screenshotsDir = path.join(repo, 'out/screenshots');
const appDir = path.join(here, 'node_modules/speedscope/dist/release');

const CHROMIUM_FLAGS = [
  '--headless', '--no-sandbox', '--disable-gpu',
  '--disable-background-networking', '--disable-component-update',
  '--no-first-run',
];

// What each file must make speedscope show. `title`: the document title
// speedscope sets from the file (our `name`, or the file name); `toolbar`:
// the profile named in the toolbar (our thread, or the file name);
// `frames`: names that must appear in the sandwich view's table.
const CASES = [
  {
    file: 'demo.speedscope.json',
    title: 'browser-test demo',
    toolbar: 'main (id 1001) (1/2)',
    frames: ['Renderer.draw_sprites', 'physics_step', 'main_loop'],
  },
  {
    file: 'app.speedscope.json',
    title: 'Profile at /home/dev/app/main.py:23',
    toolbar: 'MainThread (id 0)',
    frames: ['Model._forward', 'read_csv', 'TextFileReader.read'],
  },
  {
    file: 'demo.collapsed',
    title: 'demo.collapsed',
    toolbar: 'demo.collapsed',
    frames: ['draw_sprites', 'physics_step'],
  },
  {
    file: 'demo.pb.gz',
    title: 'demo.pb.gz',
    toolbar: 'demo.pb.gz',
    frames: ['draw_sprites', 'physics_step'],
  },
];

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain',
};

// Serves speedscope's release directory, nothing else.
function serveApp() {
  const server = http.createServer((request, response) => {
    const url = new URL(request.url, 'http://127.0.0.1');
    const name = url.pathname === '/' ? 'index.html' : url.pathname.slice(1);
    const file = path.join(appDir, path.normalize(name));
    if (!file.startsWith(appDir + path.sep) || !fs.existsSync(file) ||
        !fs.statSync(file).isFile()) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, {
      'Content-Type': TYPES[path.extname(file)] ?? 'application/octet-stream',
    });
    fs.createReadStream(file).pipe(response);
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

describe('speedscope file format schema', () => {
  const schema = JSON.parse(
      fs.readFileSync(path.join(appDir, 'file-format-schema.json'), 'utf8'));
  const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);

  for (const { file } of CASES.filter((c) => c.file.endsWith('.json'))) {
    test(`${file} validates`, () => {
      const profile = JSON.parse(
          fs.readFileSync(path.join(profilesDir, file), 'utf8'));
      assert.ok(validate(profile), JSON.stringify(validate.errors, null, 2));
      assert.match(profile.exporter, /^libpyinstrument \d+\.\d+\.\d+$/);
      assert.ok(profile.profiles.length > 0);
      for (const p of profile.profiles) {
        assert.equal(p.type, 'sampled');
        assert.equal(p.unit, 'nanoseconds');
        assert.equal(p.samples.length, p.weights.length);
        const total = p.weights.reduce((a, b) => a + b, 0);
        assert.equal(p.endValue - p.startValue, total);
        for (const stack of p.samples) {
          for (const index of stack) {
            assert.ok(index >= 0 && index < profile.shared.frames.length);
          }
        }
      }
      // Frames are deduplicated: no two share name, file and line.
      const keys = profile.shared.frames.map(
          (f) => JSON.stringify([f.name, f.file ?? null, f.line ?? null]));
      assert.equal(new Set(keys).size, keys.length);
    });
  }
});

describe('speedscope app in Chromium', () => {
  let server;
  let origin;
  let context;
  let userDataDir;

  before(async () => {
    server = await serveApp();
    origin = `http://127.0.0.1:${server.address().port}`;
    userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pyi-chromium-'));
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: '/usr/bin/chromium',
      headless: true,
      args: CHROMIUM_FLAGS,
      viewport: { width: 1280, height: 800 },
    });
    fs.mkdirSync(screenshotsDir, { recursive: true });
  });

  after(async () => {
    await context?.close();
    server?.close();
    if (userDataDir) fs.rmSync(userDataDir, { recursive: true, force: true });
  });

  for (const c of CASES) {
    test(`loads ${c.file}`, async () => {
      const page = await context.newPage();
      const problems = [];
      const outside = [];
      page.on('pageerror', (error) => problems.push(`page error: ${error}`));
      page.on('console', (message) => {
        if (message.type() === 'error') {
          problems.push(`console error: ${message.text()}`);
        }
      });
      // speedscope reports a failed import with alert().
      page.on('dialog', async (dialog) => {
        problems.push(`dialog: ${dialog.message()}`);
        await dialog.dismiss();
      });
      await page.route('**/*', (route) => {
        const url = new URL(route.request().url());
        if (url.origin === origin || url.protocol === 'data:' ||
            url.protocol === 'blob:') {
          return route.continue();
        }
        outside.push(route.request().url());
        return route.abort();
      });

      try {
        await page.goto(`${origin}/index.html`);
        await page.setInputFiles('#file', path.join(profilesDir, c.file));
        // Loaded: the landing page gives way to the views' toolbar, which
        // names the profile, and the page takes the file's name as title.
        const sandwich = page.locator('text=Sandwich').first();
        await sandwich.waitFor({ timeout: 15000 });
        await page.waitForFunction(
            (name) => document.body.innerText.includes(name), c.toolbar,
            { timeout: 15000 });
        assert.equal(await page.title(), `${c.title} - speedscope`);
        await page.screenshot({
          path: path.join(screenshotsDir, `${c.file}.flamegraph.png`),
        });
        // The sandwich view lists every function as DOM text.
        await sandwich.click();
        for (const frame of c.frames) {
          await page.waitForFunction(
              (name) => document.body.innerText.includes(name), frame,
              { timeout: 10000 });
        }
        await page.screenshot({
          path: path.join(screenshotsDir, `${c.file}.sandwich.png`),
        });
      } finally {
        await page.close();
      }
      assert.deepEqual(problems, []);
      assert.deepEqual(outside, [], 'requests left 127.0.0.1');
    });
  }
});
