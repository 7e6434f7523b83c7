// Draws stacked flame lanes onto a 2D canvas. Only rects overlapping the
// view are visited (binary search per row); runs of rects narrower than a
// pixel are merged into one fill, skipping ahead by binary search, so a row
// costs O(canvas width), not O(frames). Labels are drawn with fillText only
// into rects wide enough, cut to fit using cached text widths.

import { axisTicks, formatAxisTime, type Viewport } from "./viewport";
import { firstEndingAfter, type FlameLane, type LaneGeometry } from "./flame";

export const AXIS_HEIGHT = 22;
export const ROW_HEIGHT = 18;
export const LANE_HEADER = 20;
export const LANE_GAP = 6;
const FONT = '11px system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif';
const MIN_LABEL_PX = 28;
const MERGE_PX = 1.5;

export interface FlameTheme {
  background: string;
  axisBackground: string;
  axisText: string;
  grid: string;
  laneHeader: string;
  laneHeaderText: string;
  text: string;
  dimText: string;
  merged: string;
  hover: string;
  match: string;
}

export const DARK_THEME: FlameTheme = {
  background: "#1e2027",
  axisBackground: "#262833",
  axisText: "#a9adbb",
  grid: "rgba(255,255,255,0.06)",
  laneHeader: "#2b2e3a",
  laneHeaderText: "#d8dae3",
  text: "#111218",
  dimText: "rgba(8,9,12,0.92)",
  merged: "#6c7080",
  hover: "#ffffff",
  match: "#ffe066",
};

export interface FlameStyle {
  /** Fill per color index (FlameLevel.color). */
  colors: readonly string[];
  /** Per lane, per tree node: 1 when the node's frame is library code
   * (drawn dimmer). */
  library: readonly Uint8Array[];
  /** Per lane, per tree node: 1 when the node matches the search; null when
   * no search is active. */
  matches: readonly (Uint8Array | null)[] | null;
  label(lane: number, node: number): string;
  theme: FlameTheme;
}

export interface DrawResult {
  /** fillRect calls for frames (merged runs count once). */
  rectsDrawn: number;
  labelsDrawn: number;
}

/** Width cache for labels: measureText is the slow part of drawing text. */
export class TextWidthCache {
  private widths = new Map<string, number>();
  private font = "";
  constructor(private readonly limit = 20_000) {}
  measure(ctx: CanvasRenderingContext2D, text: string): number {
    if (ctx.font !== this.font) {
      this.font = ctx.font;
      this.widths.clear();
    }
    let w = this.widths.get(text);
    if (w === undefined) {
      if (this.widths.size >= this.limit) this.widths.clear();
      w = ctx.measureText(text).width;
      this.widths.set(text, w);
    }
    return w;
  }
}

/** `text` cut so that it fits `maxWidth` px, ending in "…"; "" when not even
 * a few characters fit. Proportional estimate from the cached full width,
 * then trimmed until it fits (usually zero or one more measure). */
export function fitLabel(
  ctx: CanvasRenderingContext2D,
  cache: TextWidthCache,
  text: string,
  maxWidth: number,
): string {
  const full = cache.measure(ctx, text);
  if (full <= maxWidth) return text;
  let n = Math.floor((text.length * maxWidth) / full) - 1;
  while (n >= 2) {
    const cut = text.slice(0, n) + "…";
    if (cache.measure(ctx, cut) <= maxWidth) return cut;
    n = Math.floor(n * 0.85);
  }
  return "";
}

export function drawFlame(
  ctx: CanvasRenderingContext2D,
  widthPx: number,
  heightPx: number,
  dpr: number,
  lanes: readonly FlameLane[],
  geometry: readonly LaneGeometry[],
  viewport: Viewport,
  style: FlameStyle,
  cache: TextWidthCache,
  hover: { lane: number; node: number } | null,
  showAxis: boolean,
): DrawResult {
  const theme = style.theme;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.fillStyle = theme.background;
  ctx.fillRect(0, 0, widthPx, heightPx);
  ctx.font = FONT;
  ctx.textBaseline = "middle";

  const t0 = viewport.startNs;
  const t1 = viewport.startNs + viewport.spanNs;
  const k = widthPx / viewport.spanNs; // px per ns
  const top = showAxis ? AXIS_HEIGHT : 0;
  const ticks = axisTicks(viewport, widthPx);

  // Grid lines under everything.
  ctx.fillStyle = theme.grid;
  if (showAxis) for (const t of ticks.ticks) ctx.fillRect(Math.round((t - t0) * k), top, 1, heightPx - top);

  let rectsDrawn = 0;
  let labelsDrawn = 0;
  let hoverRect: [number, number, number, number] | null = null;
  const searching = style.matches !== null;
  const merged: number[] = [];
  const mergedMatched: number[] = [];

  for (let li = 0; li < lanes.length; li++) {
    const lane = lanes[li];
    const g = geometry[li];
    const laneTop = top + g.top - viewport.scrollY;
    if (laneTop > heightPx || laneTop + g.height < top) continue;
    const library = style.library[li];
    const matches = style.matches?.[li] ?? null;
    const rowsTop = laneTop + g.headerHeight;
    const firstDepth = Math.max(0, Math.floor((top - rowsTop) / g.rowHeight));
    const lastDepth = Math.min(lane.levels.length, Math.ceil((heightPx - rowsTop) / g.rowHeight));
    for (let d = firstDepth; d < lastDepth; d++) {
      const level = lane.levels[d];
      const y = rowsTop + d * g.rowHeight;
      const h = g.rowHeight - 1;
      let i = firstEndingAfter(level, t0);
      let runX0 = 0;
      let runX1 = -1;
      let runMatched = false;
      // Merged runs go into one path per lane (filled below), not one
      // fillRect each: at full zoom they are most of what is drawn.
      const flush = () => {
        if (runX1 < 0) return;
        (runMatched ? mergedMatched : merged).push(runX0, y, Math.max(1, runX1 - runX0), h);
        rectsDrawn++;
        runX1 = -1;
        runMatched = false;
      };
      while (i < level.count && level.start[i] < t1) {
        const x0 = (level.start[i] - t0) * k;
        const x1 = (level.end[i] - t0) * k;
        if (x1 - x0 < MERGE_PX) {
          // A gap under a pixel is invisible: merge across it.
          if (runX1 >= 0 && x0 <= runX1 + 1) runX1 = Math.max(runX1, x1);
          else {
            flush();
            runX0 = x0;
            runX1 = x1;
          }
          if (matches !== null) {
            // Searching: visit each rect so a match inside a merged run
            // still shows.
            if (matches[level.node[i]] === 1) runMatched = true;
            i++;
            continue;
          }
          // Everything ending within the next whole pixel merges too: jump
          // past it instead of visiting each rect.
          const boundary = t0 + (Math.floor(runX1) + 1) / k;
          const next = firstEndingAfter(level, boundary, i + 1);
          if (next > i + 1) runX1 = Math.max(runX1, (level.end[next - 1] - t0) * k);
          i = next;
          continue;
        }
        flush();
        const node = level.node[i];
        const lib = library[node] === 1;
        const matched = matches !== null && matches[node] === 1;
        ctx.fillStyle = style.colors[level.color[i]];
        ctx.globalAlpha = searching && !matched ? 0.3 : 1;
        const rx = Math.max(x0, -2);
        const rw = Math.min(x1, widthPx + 2) - rx;
        ctx.fillRect(rx, y, Math.max(1, rw - 1), h);
        ctx.globalAlpha = 1;
        rectsDrawn++;
        if (matched) {
          ctx.strokeStyle = theme.match;
          ctx.lineWidth = 1;
          ctx.strokeRect(rx + 0.5, y + 0.5, Math.max(0, rw - 2), h - 1);
        }
        if (hover !== null && hover.lane === li && hover.node === node) hoverRect = [rx, y, rw - 1, h];
        if (rw >= MIN_LABEL_PX) {
          const tx = Math.max(rx, 0) + 4;
          const avail = Math.min(x1, widthPx) - tx - 3;
          const text = fitLabel(ctx, cache, style.label(li, node), avail);
          if (text !== "") {
            ctx.fillStyle = lib || (searching && !matched) ? theme.dimText : theme.text;
            ctx.fillText(text, tx, y + h / 2 + 0.5);
            labelsDrawn++;
          }
        }
        i++;
      }
      flush();
    }
    fillRects(ctx, merged, theme.merged, searching ? 0.3 : 0.8);
    fillRects(ctx, mergedMatched, theme.match, 0.9);
    merged.length = 0;
    mergedMatched.length = 0;
    // Lane header over the rows, sticky at the top of the lane.
    if (laneTop + g.headerHeight >= top) {
      ctx.fillStyle = theme.laneHeader;
      ctx.fillRect(0, laneTop, widthPx, g.headerHeight - 2);
      ctx.fillStyle = theme.laneHeaderText;
      ctx.fillText(fitLabel(ctx, cache, lane.label, widthPx - 16), 8, laneTop + (g.headerHeight - 2) / 2 + 0.5);
    }
  }

  if (hoverRect !== null) {
    ctx.strokeStyle = theme.hover;
    ctx.lineWidth = 1.5;
    ctx.strokeRect(hoverRect[0] + 0.75, hoverRect[1] + 0.75, Math.max(0, hoverRect[2] - 1.5), hoverRect[3] - 1.5);
  }

  if (showAxis) {
    ctx.fillStyle = theme.axisBackground;
    ctx.fillRect(0, 0, widthPx, AXIS_HEIGHT);
    ctx.fillStyle = theme.axisText;
    for (const t of ticks.ticks) {
      const x = Math.round((t - t0) * k);
      ctx.fillRect(x, AXIS_HEIGHT - 6, 1, 6);
      ctx.fillText(formatAxisTime(t, ticks.stepNs), x + 4, AXIS_HEIGHT / 2);
    }
  }
  return { rectsDrawn, labelsDrawn };
}

/** Fills rects given as x, y, w, h quadruples with one path. */
function fillRects(ctx: CanvasRenderingContext2D, rects: readonly number[], color: string, alpha: number): void {
  if (rects.length === 0) return;
  ctx.beginPath();
  for (let i = 0; i < rects.length; i += 4) ctx.rect(rects[i], rects[i + 1], rects[i + 2], rects[i + 3]);
  ctx.fillStyle = color;
  ctx.globalAlpha = alpha;
  ctx.fill();
  ctx.globalAlpha = 1;
}
