// Number and time formatting for the header, rows and tooltips.

import type { TimeFormat } from "./options";

/** Decimals that resolve the sampling interval in seconds (console.h's rule:
 * ceil(-log10(interval in s)), at least 1, at most 6). */
export function secondsDecimals(intervalNs: number): number {
  if (!(intervalNs > 0)) return 3;
  return Math.min(6, Math.max(1, Math.ceil(-Math.log10(intervalNs / 1e9) - 1e-9)));
}

/** A row's time: seconds ("0.402") or a share of `rootNs` ("38.5%"). */
export function formatNodeTime(ns: number, format: TimeFormat, rootNs: number, decimals: number): string {
  if (format === "percent") {
    const share = rootNs > 0 ? (ns / rootNs) * 100 : 0;
    return `${share.toFixed(1)}%`;
  }
  return (ns / 1e9).toFixed(decimals);
}

/** A human duration with a unit: "5.217 s", "12.3 ms", "410 µs", "80 ns". */
export function formatDuration(ns: number): string {
  if (!Number.isFinite(ns)) return "–";
  const a = Math.abs(ns);
  if (a >= 1e9) return `${(ns / 1e9).toFixed(3)} s`;
  if (a >= 1e6) return `${(ns / 1e6).toPrecision(3)} ms`;
  if (a >= 1e3) return `${(ns / 1e3).toPrecision(3)} µs`;
  return `${Math.round(ns)} ns`;
}

/** Local date and time of a Unix time in ns, "2026-11-21 10:54:32". */
export function formatDate(unixNs: number): string {
  if (!(unixNs > 0)) return "unknown";
  const d = new Date(unixNs / 1e6);
  if (Number.isNaN(d.getTime())) return "unknown";
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/** CPU time over wall time, "106%" (several threads can exceed 100%). */
export function formatCpuUtilisation(cpuNs: number, durationNs: number): string {
  if (!(durationNs > 0) || !(cpuNs >= 0)) return "–";
  return `${Math.round((cpuNs / durationNs) * 100)}%`;
}

export function formatCount(n: number): string {
  return n.toLocaleString("en-US");
}

/** pyinstrument's time colors: share of the total above 60% / 20% / 5% /
 * the rest. A CSS class suffix. */
export function timeClass(ns: number, rootNs: number): "red" | "yellow" | "green" | "dim" {
  const share = rootNs > 0 ? ns / rootNs : 0;
  if (share > 0.6) return "red";
  if (share > 0.2) return "yellow";
  if (share > 0.05) return "green";
  return "dim";
}

/** The last `parts` components of a path, for compact file:line labels. */
export function shortPath(path: string, parts = 2): string {
  const pieces = path.split(/[\\/]/);
  return pieces.length <= parts ? path : pieces.slice(-parts).join("/");
}
