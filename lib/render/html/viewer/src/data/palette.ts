// Categorical colours for frames, assigned by frequency.
//
// The colormap is our own: a circle of hues in OKLCH (Björn Ottosson's
// OKLab in polar form, chosen because equal steps in hue there look like
// equal steps to the eye) at a fixed chroma, with a gentle lightness wave so
// that neighbours on the wheel also differ a little in brightness. Nothing is
// sampled from another tool's colour table.
//
// Colour keys (a library, or an application module/file) are ranked by how
// much sampled time they cover; rank k takes wheel position
// bisectionPosition(k) = 0, 1/2, 1/4, 3/4, 1/8, 5/8, ... (the van der Corput
// sequence), so the most-used keys sit furthest apart and no two keys ever
// share a position. Application code and library code use the same wheel at
// different lightness/chroma: library code is dimmer and greyer, and no
// library colour equals an application colour.

import type { FrameInfo, SessionData } from "./model";

export type ColorKind = "application" | "library";

interface Tone {
  lightness: number; // OKLab L, 0..1
  chroma: number; // OKLCH C before gamut fitting
  wave: number; // amplitude of the lightness wave around the circle
}

const TONES: Record<ColorKind, Tone> = {
  application: { lightness: 0.74, chroma: 0.14, wave: 0.05 },
  library: { lightness: 0.6, chroma: 0.07, wave: 0.04 },
};

/** Where rank `k` (0 = most frequent) sits on the wheel, in [0, 1): the bit
 * reversal of k, so every prefix of the sequence is spread evenly. */
export function bisectionPosition(k: number): number {
  let position = 0;
  let weight = 0.5;
  for (let n = Math.floor(k); n > 0; n = Math.floor(n / 2)) {
    if (n % 2 === 1) position += weight;
    weight /= 2;
  }
  return position;
}

/** OKLab to linear sRGB (Ottosson's published matrices). */
function oklabToLinearSrgb(L: number, a: number, b: number): [number, number, number] {
  const l = (L + 0.3963377774 * a + 0.2158037573 * b) ** 3;
  const m = (L - 0.1055613458 * a - 0.0638541728 * b) ** 3;
  const s = (L - 0.0894841775 * a - 1.291485548 * b) ** 3;
  return [
    4.0767416621 * l - 3.3077115913 * m + 0.2309699292 * s,
    -1.2684380046 * l + 2.6097574011 * m - 0.3413193965 * s,
    -0.0041960863 * l - 0.7034186147 * m + 1.707614701 * s,
  ];
}

function inGamut(rgb: readonly number[]): boolean {
  return rgb.every((c) => c >= -1e-6 && c <= 1 + 1e-6);
}

function toSrgbByte(linear: number): number {
  const c = Math.min(1, Math.max(0, linear));
  const encoded = c <= 0.0031308 ? 12.92 * c : 1.055 * c ** (1 / 2.4) - 0.055;
  return Math.round(encoded * 255);
}

/** An OKLCH colour as "#rrggbb", chroma reduced (hue and lightness kept)
 * until it fits sRGB. */
export function oklchToHex(lightness: number, chroma: number, hueTurns: number): string {
  const angle = 2 * Math.PI * hueTurns;
  let c = chroma;
  let rgb = oklabToLinearSrgb(lightness, c * Math.cos(angle), c * Math.sin(angle));
  if (!inGamut(rgb)) {
    // Bisection on chroma: 20 steps are far below one 8-bit level.
    let lo = 0;
    let hi = chroma;
    for (let i = 0; i < 20; ++i) {
      c = (lo + hi) / 2;
      rgb = oklabToLinearSrgb(lightness, c * Math.cos(angle), c * Math.sin(angle));
      if (inGamut(rgb)) lo = c;
      else hi = c;
    }
    c = lo;
    rgb = oklabToLinearSrgb(lightness, c * Math.cos(angle), c * Math.sin(angle));
  }
  return "#" + rgb.map((v) => toSrgbByte(v).toString(16).padStart(2, "0")).join("");
}

/** The cyclic colormap: position `t` (turns, any real; 0 and 1 are the same
 * colour) for `kind`. Hue starts at a warm orange so that the top-ranked
 * application key is not a warning red. */
export function cyclicColor(t: number, kind: ColorKind): string {
  const tone = TONES[kind];
  const turns = t - Math.floor(t);
  const lightness = tone.lightness + tone.wave * Math.cos(2 * Math.PI * (2 * turns));
  return oklchToHex(lightness, tone.chroma, turns + 0.15);
}

/** Colours for keys already ranked by frequency (most frequent first). */
export function assignColors(keysByFrequency: readonly string[], kind: ColorKind): Map<string, string> {
  const colors = new Map<string, string>();
  keysByFrequency.forEach((key, rank) => colors.set(key, cyclicColor(bisectionPosition(rank), kind)));
  return colors;
}

/** What a frame is coloured by: its library for library code; its module,
 * or its file when it has none, for application code. */
export function colorKey(frame: FrameInfo): { kind: ColorKind; key: string } {
  if (frame.isLibrary) return { kind: "library", key: frame.library || frame.file };
  return { kind: "application", key: frame.module || frame.file };
}

export interface Palette {
  /** Colour of every frame, indexed like session.frames. */
  frameColors: string[];
  /** Keys of each kind, most frequent first, with their colours. */
  application: Map<string, string>;
  library: Map<string, string>;
}

/**
 * Colours every frame of `session`. A key's frequency is the sampled time of
 * the stack trie nodes of its frames, summed over threads (time in a
 * recursive call counts at each level, as it is drawn at each level); ties
 * go to the key that sorts first, so the palette is deterministic.
 */
export function buildPalette(session: SessionData): Palette {
  const frameTime = new Float64Array(session.frames.length);
  for (const thread of session.threads) {
    const nodes = thread.nodeParent.length;
    const total = new Float64Array(nodes);
    const samples = Math.min(thread.sampleNodes.length, thread.sampleDurationsNs.length);
    for (let i = 0; i < samples; ++i) {
      if (thread.sampleNodes[i] < nodes) total[thread.sampleNodes[i]] += thread.sampleDurationsNs[i];
    }
    // Parents precede children: one reverse pass makes totals inclusive.
    for (let n = nodes - 1; n >= 1; --n) {
      total[thread.nodeParent[n]] += total[n];
      if (thread.nodeFrame[n] < frameTime.length) frameTime[thread.nodeFrame[n]] += total[n];
    }
  }
  const weights: Record<ColorKind, Map<string, number>> = { application: new Map(), library: new Map() };
  const keys = session.frames.map((frame, i) => {
    const key = colorKey(frame);
    const map = weights[key.kind];
    map.set(key.key, (map.get(key.key) ?? 0) + frameTime[i]);
    return key;
  });
  const ranked = (map: Map<string, number>): string[] =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
      .map(([key]) => key);
  const application = assignColors(ranked(weights.application), "application");
  const library = assignColors(ranked(weights.library), "library");
  const frameColors = keys.map(
    (key) => (key.kind === "library" ? library : application).get(key.key) as string,
  );
  return { frameColors, application, library };
}
