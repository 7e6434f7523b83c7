// Builds the viewer into ONE self-contained dist/index.html: the C++ HTML
// renderer embeds that file and splices the session into it, and a report
// must open from disk, offline, with no request to anywhere.
import { defineConfig } from "vite";
import preact from "@preact/preset-vite";
import { viteSingleFile } from "vite-plugin-singlefile";

export default defineConfig({
  plugins: [
    // Prefresh and the prerender step are dev/SSR conveniences; the report is
    // a static file, so keep the plugin to its JSX/alias work.
    preact({ prefreshEnabled: false, prerender: { enabled: false } }),
    viteSingleFile({ removeViteModuleLoader: true }),
  ],
  // Relative URLs: the page is opened from file:// as often as served.
  base: "./",
  build: {
    // Browsers from the last few years; no legacy transpile, no polyfills.
    target: "es2022",
    // vite-plugin-singlefile inlines everything; a size warning for the one
    // chunk is expected and not actionable.
    chunkSizeWarningLimit: 4096,
    // Inline every asset (fonts, images) so nothing is fetched.
    assetsInlineLimit: Number.MAX_SAFE_INTEGER,
    cssCodeSplit: false,
    modulePreload: false,
    reportCompressedSize: false,
  },
});
