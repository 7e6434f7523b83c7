// The HTML viewer's speed on a big session (a benchmark, not a test: it
// prints figures and exits 0 whether or not they meet the targets).
//
//   node benchmarks/viewer/run.mjs [--samples N] [--frames N] [--visible N]
//                                  [--runs N] [--json]
//
// 1. Builds //benchmarks/viewer:make_session and //tools/pyi, writes a
//    synthetic session of N samples (default 1,000,000) to
//    out/bench/viewer-<N>.pb and renders out/bench/viewer-<N>.html with
//    `pyi render`.
// 2. Opens the page in Debian's headless Chromium (playwright-core from
//    tests/browser/node_modules), fresh profile each run, every request but
//    the page blocked, and reads: first paint and first contentful paint
//    (the Paint Timing entries), and when window.__pyiViewer.ready turned
//    true. Target: first contentful paint (the profile on screen) under 2 s.
// 3. Switches to the timeline, zooms at the centre until about --visible
//    (default 100,000) frames are on screen (visibleFrameCount()), then runs
//    --frames (default 240) animation frames of a scripted pan/zoom: each
//    requestAnimationFrame pans or zooms a little, so every frame redraws.
//    Reports the median and p95 of the redraws' own time (the viewer's
//    frameTimes) and of the intervals between animation frames. Target:
//    median frame time at most 16 ms.

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '../..');
const require = createRequire(path.join(repo, 'tests/browser/package.json'));
const { chromium } = require('playwright-core');

const CHROMIUM_FLAGS = [
  '--headless', '--no-sandbox', '--disable-gpu',
  '--disable-background-networking', '--disable-component-update',
  '--no-first-run',
];

function parseArgs(argv) {
  const args = { samples: 1_000_000, frames: 240, visible: 100_000, runs: 3,
    json: false };
  for (let i = 0; i < argv.length; i++) {
    const name = argv[i].replace(/^--/, '');
    if (name === 'json') { args.json = true; continue; }
    if (!(name in args) || i + 1 >= argv.length) {
      throw new Error(`unknown or incomplete argument ${argv[i]}`);
    }
    const value = Number(argv[++i]);
    if (!Number.isInteger(value) || value <= 0) {
      throw new Error(`${argv[i - 1]} wants a positive integer`);
    }
    args[name] = value;
  }
  return args;
}

function quantile(values, q) {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const at = (sorted.length - 1) * q;
  const lo = Math.floor(at);
  const hi = Math.ceil(at);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (at - lo);
}

const ms = (x) => `${x.toFixed(1)} ms`;

// Builds the tools and writes the page; returns its path.
function makePage(samples) {
  execFileSync('bazel', ['build', '//benchmarks/viewer:make_session',
    '//tools/pyi'], { cwd: repo, stdio: ['ignore', 'ignore', 'inherit'] });
  // Not the bazel-bin symlink: a build with other flags may have moved it.
  const bin = execFileSync('bazel', ['info', 'bazel-bin'],
      { cwd: repo, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
      .trim();
  const dir = path.join(repo, 'out/bench');
  fs.mkdirSync(dir, { recursive: true });
  const pb = path.join(dir, `viewer-${samples}.pb`);
  const html = path.join(dir, `viewer-${samples}.html`);
  execFileSync(path.join(bin, 'benchmarks/viewer/make_session'),
      [pb, String(samples)], { stdio: 'inherit' });
  execFileSync(path.join(bin, 'tools/pyi/pyi'), ['render', pb, '-o', html],
      { stdio: 'inherit' });
  return html;
}

function serve(file) {
  const server = http.createServer((request, response) => {
    if (request.url !== '/page.html') {
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

// Records, in the page, when the viewer first says it is ready (checked on
// every animation frame from the start, so within one frame of the truth).
function watchReady() {
  const poll = () => {
    if (window.__pyiViewer?.ready === true) {
      window.__benchReadyAt = performance.now();
      return;
    }
    requestAnimationFrame(poll);
  };
  requestAnimationFrame(poll);
}

// Runs in the page: zooms until about `target` frames are visible.
async function zoomTo(target) {
  const v = window.__pyiViewer;
  const canvas = document.querySelector('[data-testid=timeline-canvas]');
  const x = canvas.getBoundingClientRect().width / 2;
  const nextFrame = () => new Promise((r) => requestAnimationFrame(r));
  await nextFrame();
  let count = v.visibleFrameCount();
  const initial = count;
  for (let step = 0; step < 200 && count > target * 1.1; step++) {
    // Smaller steps as the target nears, so it lands close.
    v.zoomAt(x, count > target * 2 ? 1.5 : 1.05);
    await nextFrame();
    count = v.visibleFrameCount();
  }
  return { initial, visible: count };
}

// Runs in the page: `frames` animation frames, each with one small pan or
// zoom (zoom in and out alternate, so the visible count stays put).
async function panZoom(frames) {
  const v = window.__pyiViewer;
  const canvas = document.querySelector('[data-testid=timeline-canvas]');
  const width = canvas.getBoundingClientRect().width;
  const nextFrame = () => new Promise((r) => requestAnimationFrame(r));
  await nextFrame();
  v.frameTimes.length = 0;
  const intervals = [];
  const counts = [];
  let last = performance.now();
  for (let i = 0; i < frames; i++) {
    switch (i % 4) {
      case 0: v.panBy(40); break;
      case 1: v.zoomAt(width * 0.3, 1.02); break;
      case 2: v.panBy(-40); break;
      default: v.zoomAt(width * 0.3, 1 / 1.02); break;
    }
    await nextFrame();
    const now = performance.now();
    intervals.push(now - last);
    last = now;
    if (i % 20 === 0) counts.push(v.visibleFrameCount());
  }
  await nextFrame();
  return { draws: [...v.frameTimes], intervals, counts };
}

async function runOnce(browser, origin, args) {
  const context = await browser.newContext({
    viewport: { width: 1600, height: 900 },
  });
  const blocked = [];
  await context.route('**/*', (route) => {
    if (route.request().url() === `${origin}/page.html`) {
      return route.continue();
    }
    blocked.push(route.request().url());
    return route.abort();
  });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  await page.addInitScript(watchReady);
  try {
    const started = Date.now();
    await page.goto(`${origin}/page.html`, { timeout: 120000 });
    await page.waitForFunction(() => window.__benchReadyAt !== undefined,
        null, { timeout: 120000 });
    const wall = Date.now() - started;
    const load = await page.evaluate(() => {
      const paint = Object.fromEntries(performance.getEntriesByType('paint')
          .map((e) => [e.name, e.startTime]));
      return {
        firstPaint: paint['first-paint'] ?? NaN,
        firstContentfulPaint: paint['first-contentful-paint'] ?? NaN,
        ready: window.__benchReadyAt,
        view: window.__pyiViewer.view,
      };
    });

    const switchStart = Date.now();
    await page.click('[data-testid=view-timeline]');
    await page.waitForFunction(() => window.__pyiViewer.view === 'timeline' &&
        document.querySelector('[data-testid=timeline-canvas]') !== null,
        null, { timeout: 120000 });
    await page.evaluate(() => new Promise((r) =>
        requestAnimationFrame(() => requestAnimationFrame(r))));
    const timelineMs = Date.now() - switchStart;
    const zoom = await page.evaluate(zoomTo, args.visible);
    const run = await page.evaluate(panZoom, args.frames);
    return { wall, load, timelineMs, zoom, run, errors, blocked };
  } finally {
    await context.close();
  }
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const file = makePage(args.samples);
  const server = await serve(file);
  const origin = `http://127.0.0.1:${server.address().port}`;
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium', headless: true,
    args: CHROMIUM_FLAGS,
  });
  const results = [];
  try {
    for (let i = 0; i < args.runs; i++) {
      results.push(await runOnce(browser, origin, args));
    }
  } finally {
    await browser.close();
    server.close();
  }

  const med = (pick) => quantile(results.map(pick), 0.5);
  const draws = results.flatMap((r) => r.run.draws);
  const intervals = results.flatMap((r) => r.run.intervals);
  const summary = {
    samples: args.samples,
    pageBytes: fs.statSync(file).size,
    runs: args.runs,
    firstPaintMs: med((r) => r.load.firstPaint),
    firstContentfulPaintMs: med((r) => r.load.firstContentfulPaint),
    readyMs: med((r) => r.load.ready),
    timelineSwitchMs: med((r) => r.timelineMs),
    visibleAtStart: results[0].zoom.initial,
    visibleFrames: results.map((r) => r.zoom.visible),
    visibleDuringPanZoom: results[0].run.counts,
    frames: args.frames,
    drawMedianMs: quantile(draws, 0.5),
    drawP95Ms: quantile(draws, 0.95),
    intervalMedianMs: quantile(intervals, 0.5),
    intervalP95Ms: quantile(intervals, 0.95),
    errors: results.flatMap((r) => r.errors),
    blockedRequests: results.flatMap((r) => r.blocked),
  };
  if (args.json) {
    console.log(JSON.stringify(summary, null, 2));
    return;
  }
  const verdict = (ok) => (ok ? 'meets target' : 'MISSES target');
  console.log(`viewer benchmark: ${summary.samples.toLocaleString('en')} samples, ` +
      `page ${(summary.pageBytes / 1e6).toFixed(1)} MB, median of ${summary.runs} runs`);
  // The first paint may be the bare background; the profile is on screen
  // at the first contentful paint, so the target is judged on that.
  console.log(`  first paint             ${ms(summary.firstPaintMs)}`);
  console.log(`  first contentful paint  ${ms(summary.firstContentfulPaintMs)}   ` +
      `(${verdict(summary.firstContentfulPaintMs < 2000)}: < 2 s)`);
  console.log(`  viewer ready            ${ms(summary.readyMs)}`);
  console.log(`  switch to timeline      ${ms(summary.timelineSwitchMs)}`);
  console.log(`  frames visible          ${summary.visibleAtStart.toLocaleString('en')} ` +
      `at full zoom-out; ${summary.visibleFrames.map((n) => n.toLocaleString('en')).join(', ')} ` +
      `after zooming; ${Math.min(...summary.visibleDuringPanZoom).toLocaleString('en')}-` +
      `${Math.max(...summary.visibleDuringPanZoom).toLocaleString('en')} during the pan/zoom`);
  console.log(`  redraw (frameTimes)     median ${ms(summary.drawMedianMs)}, ` +
      `p95 ${ms(summary.drawP95Ms)} over ${draws.length} draws   ` +
      `(${verdict(summary.drawMedianMs <= 16)}: median <= 16 ms)`);
  console.log(`  rAF interval            median ${ms(summary.intervalMedianMs)}, ` +
      `p95 ${ms(summary.intervalP95Ms)} over ${intervals.length} frames`);
  if (summary.errors.length > 0) console.log(`  errors: ${summary.errors.join('; ')}`);
  if (summary.blockedRequests.length > 0) {
    console.log(`  blocked requests: ${summary.blockedRequests.join(', ')}`);
  }
}

main().catch((error) => {
  console.error(`viewer benchmark: ${error.stack ?? error}`);
  process.exit(1);
});
