// The trace viewer's page: one self-contained HTML file (no network, no framework) holding the
// view model and the original trace, each gzipped and base64-encoded, with the page's script and
// style inline (src/view/assets/). The browser inflates them with DecompressionStream. The same
// model gives the same bytes: gzip here writes no timestamp, and the model is built deterministically.
import { readFileSync } from "node:fs"
import { gzipSync } from "node:zlib"
import type { ViewModel } from "./model.ts"

const asset = (name: string): string => readFileSync(new URL(`./assets/${name}`, import.meta.url), "utf8")

/** gzip level 9: the model of a 40,000-step run is about 20 MB of JSON and compresses about 15-fold. */
const GZIP_LEVEL = 9

const packed = (text: string): string => gzipSync(Buffer.from(text, "utf8"), { level: GZIP_LEVEL }).toString("base64")

const escapeHtml = (text: string): string =>
  text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;")

/** The HTML page for a model; `traceText` is the file it was built from, offered for download. */
export const pageOf = (model: ViewModel, traceText: string, traceName: string): string => `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(model.title)} · dynamo trace viewer</title>
<style>
${asset("viewer.css")}
</style>
</head>
<body>
<header id="head">
  <div class="title"><b>${escapeHtml(model.title)}</b> <span class="badge">${escapeHtml(model.source)}</span> <span id="summary"></span></div>
  <div class="description">${escapeHtml(model.description)}</div>
  <div class="config">${escapeHtml(model.config)}</div>
  <div id="banner"></div>
</header>
<nav id="toolbar"></nav>
<main>
  <section id="diagram"><div id="lanes"></div><div id="scroller"><div id="spacer"></div><svg id="canvas" xmlns="http://www.w3.org/2000/svg"></svg></div></section>
  <aside id="pane"></aside>
</main>
<footer id="scrub"><input id="slider" type="range" min="0" value="0" aria-label="step"><canvas id="overview" height="28"></canvas><div id="keys-help">↑/↓ or j/k step · PgUp/PgDn ±20 · Home/End · v violation · p/P along the write's path · n/N search hits · / search</div></footer>
<script type="application/octet-stream" id="model-data" data-encoding="gzip+base64">${packed(JSON.stringify(model))}</script>
<script type="application/octet-stream" id="trace-data" data-encoding="gzip+base64" data-name="${escapeHtml(traceName)}">${packed(traceText)}</script>
<script>
${asset("viewer.js")}
</script>
</body>
</html>
`
