// window.__pyiViewer: a small, stable handle for browser tests and the
// benchmark to see what the page shows and to drive the canvas views.
//
//   ready               a session is shown (or the empty/error state is)
//   view                "call-stack" | "timeline" | "icicle" | "inverted" | "empty" | "error"
//   visibleFrameCount() frames on screen: rects overlapping the canvas (flame
//                       views) or frame rows rendered (call-stack views)
//   panBy(dx)           pan the canvas view by dx CSS pixels (positive: later)
//   zoomAt(x, factor)   zoom by factor (> 1 zooms in) around canvas x
//   frameTimes          ms each canvas redraw took, newest last (last 1000)

export interface ViewerHooks {
  ready: boolean;
  view: string;
  visibleFrameCount(): number;
  panBy(dx: number): void;
  zoomAt(x: number, factor: number): void;
  frameTimes: number[];
}

export interface ActiveView {
  visibleFrameCount(): number;
  panBy?(dx: number): void;
  zoomAt?(x: number, factor: number): void;
}

const FRAME_TIME_LIMIT = 1000;

let active: ActiveView | null = null;

export const hooks: ViewerHooks = {
  ready: false,
  view: "empty",
  visibleFrameCount: () => (active === null ? 0 : active.visibleFrameCount()),
  panBy: (dx) => active?.panBy?.(Number(dx)),
  zoomAt: (x, factor) => active?.zoomAt?.(Number(x), Number(factor)),
  frameTimes: [],
};

export function installHooks(): void {
  (globalThis as unknown as { __pyiViewer: ViewerHooks }).__pyiViewer = hooks;
}

/** The mounted view registers itself; returns the unregister function. */
export function setActiveView(view: ActiveView): () => void {
  active = view;
  return () => {
    if (active === view) active = null;
  };
}

export function recordFrameTime(ms: number): void {
  const times = hooks.frameTimes;
  times.push(ms);
  if (times.length > FRAME_TIME_LIMIT) times.splice(0, times.length - FRAME_TIME_LIMIT);
}

export function setViewState(view: string, ready: boolean): void {
  hooks.view = view;
  hooks.ready = ready;
}
