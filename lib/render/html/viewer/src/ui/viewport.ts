// Timeline viewport math: which span of time the canvas shows, and how wheel,
// drag and pinch move it. Pure functions over plain numbers, so the
// interaction is tested without a DOM.
//
// Time is in ns from the session start. The viewport never shows less than
// MIN_SPAN_NS (zooming further has nothing left to resolve) and never leaves
// [0, totalNs] unless the whole profile is shorter than the view.

export interface Viewport {
  /** Left edge of the canvas, ns. */
  startNs: number;
  /** Time covered by the canvas width, ns (> 0). */
  spanNs: number;
  /** Vertical scroll, CSS pixels from the top of the first lane. */
  scrollY: number;
}

export const MIN_SPAN_NS = 1_000; // 1 µs across the whole width

export function fullViewport(totalNs: number): Viewport {
  return { startNs: 0, spanNs: Math.max(totalNs, MIN_SPAN_NS), scrollY: 0 };
}

/** Keeps the span in [MIN_SPAN_NS, total] and the window inside [0, total]. */
export function clampViewport(v: Viewport, totalNs: number, maxScrollY = Infinity): Viewport {
  const total = Math.max(totalNs, MIN_SPAN_NS);
  const spanNs = Math.min(total, Math.max(MIN_SPAN_NS, Number.isFinite(v.spanNs) ? v.spanNs : total));
  let startNs = Number.isFinite(v.startNs) ? v.startNs : 0;
  startNs = Math.min(Math.max(0, startNs), total - spanNs);
  const scrollY = Math.min(Math.max(0, Number.isFinite(v.scrollY) ? v.scrollY : 0), Math.max(0, maxScrollY));
  return { startNs, spanNs, scrollY };
}

/** Zooms by `factor` (> 1 zooms in) keeping the time under canvas x fixed. */
export function zoomAt(v: Viewport, x: number, widthPx: number, factor: number, totalNs: number): Viewport {
  if (!(factor > 0) || !(widthPx > 0)) return v;
  const frac = Math.min(1, Math.max(0, x / widthPx));
  const anchor = v.startNs + frac * v.spanNs;
  const total = Math.max(totalNs, MIN_SPAN_NS);
  const spanNs = Math.min(total, Math.max(MIN_SPAN_NS, v.spanNs / factor));
  return clampViewport({ startNs: anchor - frac * spanNs, spanNs, scrollY: v.scrollY }, totalNs);
}

/** Moves the view by `dx` canvas pixels (positive: later in time shows) and
 * `dy` pixels down. */
export function panBy(
  v: Viewport,
  dx: number,
  dy: number,
  widthPx: number,
  totalNs: number,
  maxScrollY = Infinity,
): Viewport {
  if (!(widthPx > 0)) return v;
  return clampViewport(
    { startNs: v.startNs + (dx / widthPx) * v.spanNs, spanNs: v.spanNs, scrollY: v.scrollY + dy },
    totalNs,
    maxScrollY,
  );
}

/** Zoom factor for a wheel event's deltaY (pixels): smooth for trackpads,
 * about 1.25x per mouse-wheel notch (deltaY ≈ 100). */
export function wheelZoomFactor(deltaY: number, deltaMode = 0): number {
  const px = deltaMode === 1 ? deltaY * 16 : deltaMode === 2 ? deltaY * 400 : deltaY;
  const clamped = Math.max(-300, Math.min(300, px));
  return Math.exp(-clamped * 0.0022);
}

/** Two-finger pinch: the new view after the fingers moved from (a0, b0) to
 * (a1, b1) (canvas x). The time under each finger stays under it. */
export function pinch(
  v: Viewport,
  a0: number,
  b0: number,
  a1: number,
  b1: number,
  widthPx: number,
  totalNs: number,
): Viewport {
  const d0 = Math.abs(b0 - a0);
  const d1 = Math.abs(b1 - a1);
  if (d0 < 1 || d1 < 1 || !(widthPx > 0)) {
    return panBy(v, -(((a1 + b1) - (a0 + b0)) / 2), 0, widthPx, totalNs);
  }
  const mid0 = (a0 + b0) / 2;
  const mid1 = (a1 + b1) / 2;
  const anchor = v.startNs + (mid0 / widthPx) * v.spanNs;
  const total = Math.max(totalNs, MIN_SPAN_NS);
  const spanNs = Math.min(total, Math.max(MIN_SPAN_NS, (v.spanNs * d0) / d1));
  return clampViewport({ startNs: anchor - (mid1 / widthPx) * spanNs, spanNs, scrollY: v.scrollY }, totalNs);
}

export function timeToX(v: Viewport, ns: number, widthPx: number): number {
  return ((ns - v.startNs) / v.spanNs) * widthPx;
}

export function xToTime(v: Viewport, x: number, widthPx: number): number {
  return v.startNs + (x / widthPx) * v.spanNs;
}

const NICE_STEPS = [1, 2, 5];

/** Ticks for the time axis: a round step giving at least `minGapPx` pixels
 * between labels, and the tick times within the view. */
export function axisTicks(v: Viewport, widthPx: number, minGapPx = 90): { stepNs: number; ticks: number[] } {
  const rawStep = (v.spanNs * minGapPx) / Math.max(1, widthPx);
  let stepNs = 1;
  outer: for (let pow = 1; pow < 1e16; pow *= 10) {
    for (const m of NICE_STEPS) {
      if (m * pow >= rawStep) {
        stepNs = m * pow;
        break outer;
      }
    }
  }
  const ticks: number[] = [];
  const first = Math.ceil(v.startNs / stepNs) * stepNs;
  for (let t = first; t <= v.startNs + v.spanNs && ticks.length < 1000; t += stepNs) ticks.push(t);
  return { stepNs, ticks };
}

/** An axis label: the unit follows the step so labels stay short. */
export function formatAxisTime(ns: number, stepNs: number): string {
  if (stepNs >= 1e8) return `${trim(ns / 1e9, stepNs / 1e9)}s`;
  if (stepNs >= 1e6) return `${trim(ns / 1e6, stepNs / 1e6)}ms`;
  if (stepNs >= 1e3) return `${trim(ns / 1e3, stepNs / 1e3)}µs`;
  return `${Math.round(ns)}ns`;
}

function trim(value: number, step: number): string {
  const decimals = step >= 1 ? 0 : Math.min(6, Math.ceil(-Math.log10(step)));
  return value.toFixed(decimals);
}
