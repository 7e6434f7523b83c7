// A canvas flame chart: the timeline (one lane per thread, time order) and
// the icicle (aggregated) both draw through it. Interaction: wheel zooms at
// the cursor, horizontal wheel / shift-wheel and drag pan, two-finger pinch
// zooms, double-click zooms to a frame, keys +/-/arrows/0. Redraws are
// coalesced into one requestAnimationFrame; the viewport lives in a ref so
// pointer moves never re-render the component tree.

import { useEffect, useLayoutEffect, useMemo, useRef, useState } from "preact/hooks";
import { countVisible, type FlameLane, hitRow, rectAt, stackLanes } from "./flame";
import { AXIS_HEIGHT, drawFlame, type FlameStyle, LANE_GAP, LANE_HEADER, ROW_HEIGHT, TextWidthCache } from "./flameCanvas";
import { recordFrameTime, setActiveView } from "./testHooks";
import {
  clampViewport,
  fullViewport,
  panBy as panViewport,
  pinch,
  type Viewport,
  wheelZoomFactor,
  xToTime,
  zoomAt as zoomViewport,
} from "./viewport";

export interface TooltipInfo {
  title: string;
  lines: Array<[string, string]>;
}

export interface FlameViewProps {
  lanes: FlameLane[];
  style: FlameStyle;
  /** Right edge of the zoomable range, ns. */
  totalNs: number;
  showAxis: boolean;
  describe(lane: number, node: number): TooltipInfo;
  testId: string;
  label: string;
}

interface Hover {
  lane: number;
  node: number;
  x: number;
  y: number;
}

export function FlameView(props: FlameViewProps) {
  const { lanes, style, totalNs, showAxis } = props;
  const container = useRef<HTMLDivElement>(null);
  const canvas = useRef<HTMLCanvasElement>(null);
  const size = useRef({ width: 0, height: 0, dpr: 1 });
  const viewport = useRef<Viewport>(fullViewport(totalNs));
  const hover = useRef<Hover | null>(null);
  const [tooltip, setTooltip] = useState<Hover | null>(null);
  const frame = useRef(0);
  const cache = useMemo(() => new TextWidthCache(), []);
  const geometry = useMemo(() => stackLanes(lanes, ROW_HEIGHT, lanes.length > 1 || lanes[0]?.label ? LANE_HEADER : 0, LANE_GAP), [lanes]);
  const contentHeight = geometry.length === 0 ? 0 : geometry[geometry.length - 1].top + geometry[geometry.length - 1].height;
  const latest = useRef({ lanes, style, geometry, showAxis, contentHeight, totalNs });
  latest.current = { lanes, style, geometry, showAxis, contentHeight, totalNs };

  const maxScroll = () => Math.max(0, latest.current.contentHeight - (size.current.height - (latest.current.showAxis ? AXIS_HEIGHT : 0)) + 8);

  const draw = () => {
    frame.current = 0;
    const el = canvas.current;
    const ctx = el?.getContext("2d");
    if (!el || !ctx) return;
    const { width, height, dpr } = size.current;
    if (width <= 0 || height <= 0) return;
    const t = performance.now();
    const l = latest.current;
    const h = hover.current;
    drawFlame(ctx, width, height, dpr, l.lanes, l.geometry, viewport.current, l.style, cache, h && { lane: h.lane, node: h.node }, l.showAxis);
    recordFrameTime(performance.now() - t);
  };
  const schedule = () => {
    if (frame.current === 0) frame.current = requestAnimationFrame(draw);
  };
  useEffect(() => () => cancelAnimationFrame(frame.current), []);

  // A new profile or zoom range: show all of it.
  useEffect(() => {
    viewport.current = fullViewport(totalNs);
    schedule();
  }, [totalNs]);
  // New lanes or style (options, search): keep the view, redraw.
  useEffect(() => {
    viewport.current = clampViewport(viewport.current, totalNs, maxScroll());
    hover.current = null;
    setTooltip(null);
    schedule();
  }, [lanes, style]);

  useLayoutEffect(() => {
    const el = container.current;
    const cv = canvas.current;
    if (!el || !cv) return;
    const resize = () => {
      const dpr = window.devicePixelRatio || 1;
      const width = el.clientWidth;
      const height = el.clientHeight;
      size.current = { width, height, dpr };
      cv.width = Math.max(1, Math.round(width * dpr));
      cv.height = Math.max(1, Math.round(height * dpr));
      cv.style.width = `${width}px`;
      cv.style.height = `${height}px`;
      draw();
    };
    resize();
    const observer = new ResizeObserver(resize);
    observer.observe(el);
    // devicePixelRatio changes (browser zoom, moving between screens).
    const media = matchMedia(`(resolution: ${window.devicePixelRatio || 1}dppx)`);
    media.addEventListener?.("change", resize);
    return () => {
      observer.disconnect();
      media.removeEventListener?.("change", resize);
    };
  }, []);

  const doPan = (dx: number, dy = 0) => {
    viewport.current = panViewport(viewport.current, dx, dy, size.current.width, latest.current.totalNs, maxScroll());
    schedule();
  };
  const doZoom = (x: number, factor: number) => {
    viewport.current = zoomViewport(viewport.current, x, size.current.width, factor, latest.current.totalNs);
    schedule();
  };

  useEffect(
    () =>
      setActiveView({
        visibleFrameCount() {
          const v = viewport.current;
          const l = latest.current;
          const top = (l.showAxis ? AXIS_HEIGHT : 0) - v.scrollY;
          let n = 0;
          l.lanes.forEach((lane, i) => {
            const g = l.geometry[i];
            const rowsTop = top + g.top + g.headerHeight;
            const from = Math.max(0, Math.floor(((l.showAxis ? AXIS_HEIGHT : 0) - rowsTop) / g.rowHeight));
            const to = Math.ceil((size.current.height - rowsTop) / g.rowHeight);
            if (to > 0) n += countVisible(lane, v.startNs, v.startNs + v.spanNs, from, to);
          });
          return n;
        },
        panBy: (dx) => doPan(dx),
        zoomAt: (x, factor) => doZoom(x, factor),
      }),
    [],
  );

  const hitTest = (x: number, y: number): { lane: number; node: number } | null => {
    const l = latest.current;
    const top = l.showAxis ? AXIS_HEIGHT : 0;
    if (y < top) return null;
    const row = hitRow(l.geometry, y - top + viewport.current.scrollY);
    if (row === null || row.depth < 0) return null;
    const lane = l.lanes[row.lane];
    const level = lane.levels[row.depth];
    const t = xToTime(viewport.current, x, size.current.width);
    const i = rectAt(level, t);
    if (i < 0) return null;
    // Sub-pixel rects are drawn merged: only report ones a reader can see.
    const px = ((level.end[i] - level.start[i]) / viewport.current.spanNs) * size.current.width;
    if (px < 1) return null;
    return { lane: row.lane, node: level.node[i] };
  };

  // Pointer state: drag pans; two touches pinch.
  const pointers = useRef(new Map<number, { x: number; y: number }>());
  const dragged = useRef(false);
  const local = (e: { clientX: number; clientY: number }) => {
    const r = canvas.current!.getBoundingClientRect();
    return { x: e.clientX - r.left, y: e.clientY - r.top };
  };

  const setHover = (h: Hover | null) => {
    const prev = hover.current;
    hover.current = h;
    if (prev?.node !== h?.node || prev?.lane !== h?.lane) schedule();
    setTooltip(h);
  };

  const onPointerDown = (e: PointerEvent) => {
    canvas.current?.setPointerCapture(e.pointerId);
    pointers.current.set(e.pointerId, local(e));
    dragged.current = false;
    canvas.current?.focus({ preventScroll: true });
  };
  const onPointerMove = (e: PointerEvent) => {
    const p = local(e);
    const map = pointers.current;
    const prev = map.get(e.pointerId);
    if (prev === undefined) {
      if (e.pointerType === "mouse") {
        const hit = hitTest(p.x, p.y);
        setHover(hit === null ? null : { ...hit, x: p.x, y: p.y });
      }
      return;
    }
    if (map.size >= 2) {
      const [idA, idB] = [...map.keys()];
      const a0 = map.get(idA)!;
      const b0 = map.get(idB)!;
      map.set(e.pointerId, p);
      const a1 = map.get(idA)!;
      const b1 = map.get(idB)!;
      viewport.current = pinch(viewport.current, a0.x, b0.x, a1.x, b1.x, size.current.width, latest.current.totalNs);
      viewport.current = clampViewport(
        { ...viewport.current, scrollY: viewport.current.scrollY - ((a1.y + b1.y) - (a0.y + b0.y)) / 2 },
        latest.current.totalNs,
        maxScroll(),
      );
      dragged.current = true;
      schedule();
      return;
    }
    map.set(e.pointerId, p);
    const dx = p.x - prev.x;
    const dy = p.y - prev.y;
    if (Math.abs(dx) + Math.abs(dy) > 0) {
      dragged.current = true;
      if (hover.current !== null) setHover(null);
      doPan(-dx, -dy);
    }
  };
  const onPointerUp = (e: PointerEvent) => {
    pointers.current.delete(e.pointerId);
  };
  const onWheel = (e: WheelEvent) => {
    e.preventDefault();
    const p = local(e);
    const unit = e.deltaMode === 1 ? 16 : e.deltaMode === 2 ? size.current.width : 1;
    const dx = e.shiftKey ? e.deltaY * unit : e.deltaX * unit;
    if (Math.abs(dx) > Math.abs(e.deltaY) || e.shiftKey) {
      doPan(dx);
    } else {
      doZoom(p.x, wheelZoomFactor(e.deltaY, e.deltaMode));
    }
  };
  const onDblClick = (e: MouseEvent) => {
    const p = local(e);
    const hit = hitTest(p.x, p.y);
    if (hit === null) return;
    const lane = latest.current.lanes[hit.lane];
    for (const level of lane.levels) {
      for (let i = 0; i < level.count; i++) {
        if (level.node[i] !== hit.node) continue;
        const span = level.end[i] - level.start[i];
        viewport.current = clampViewport(
          { startNs: level.start[i] - span * 0.05, spanNs: span * 1.1, scrollY: viewport.current.scrollY },
          latest.current.totalNs,
          maxScroll(),
        );
        schedule();
        return;
      }
    }
  };
  const onKeyDown = (e: KeyboardEvent) => {
    const w = size.current.width;
    const handled = (() => {
      switch (e.key) {
        case "+":
        case "=":
          doZoom(w / 2, 1.5);
          return true;
        case "-":
        case "_":
          doZoom(w / 2, 1 / 1.5);
          return true;
        case "0":
          viewport.current = fullViewport(latest.current.totalNs);
          schedule();
          return true;
        case "ArrowLeft":
          doPan(-w / 8);
          return true;
        case "ArrowRight":
          doPan(w / 8);
          return true;
        case "ArrowUp":
          doPan(0, -ROW_HEIGHT * 3);
          return true;
        case "ArrowDown":
          doPan(0, ROW_HEIGHT * 3);
          return true;
        default:
          return false;
      }
    })();
    if (handled) e.preventDefault();
  };

  // Wheel must be non-passive to stop the page from scrolling.
  useEffect(() => {
    const cv = canvas.current;
    if (!cv) return;
    cv.addEventListener("wheel", onWheel, { passive: false });
    return () => cv.removeEventListener("wheel", onWheel);
  }, []);

  const info = tooltip === null ? null : props.describe(tooltip.lane, tooltip.node);
  const tipLeft = tooltip === null ? 0 : Math.min(tooltip.x + 14, Math.max(0, size.current.width - 340));
  const tipTop = tooltip === null ? 0 : tooltip.y + 18 > size.current.height - 110 ? tooltip.y - 110 : tooltip.y + 18;

  return (
    <div class="flame" ref={container} data-testid={props.testId}>
      <canvas
        ref={canvas}
        class="flame-canvas"
        tabIndex={0}
        role="img"
        aria-label={props.label}
        data-testid={`${props.testId}-canvas`}
        onPointerDown={onPointerDown}
        onPointerMove={onPointerMove}
        onPointerUp={onPointerUp}
        onPointerCancel={onPointerUp}
        onPointerLeave={() => setHover(null)}
        onDblClick={onDblClick}
        onKeyDown={onKeyDown}
      />
      {info !== null ? (
        <div class="tooltip" data-testid="tooltip" style={{ left: `${tipLeft}px`, top: `${tipTop}px` }}>
          <div class="tooltip-title">{info.title}</div>
          {info.lines.map(([k, v]) => (
            <div class="tooltip-line" key={k}>
              <span class="tooltip-key">{k}</span>
              <span class="tooltip-value">{v}</span>
            </div>
          ))}
        </div>
      ) : null}
    </div>
  );
}
