// The conform run as one self-contained HTML page (no network): a timeline of every operation,
// one column per client and one for the final reads, the fault windows as bands across it, and
// the anomalies listed above, each linked to the operations that show it (as Jepsen's timeline).
import type { History } from "./history.ts"
import type { Report } from "./report.ts"
import { describeOp, summaryOf } from "./report.ts"

const escapeHtml = (text: string) => text.replace(/[&<>"]/g, (c) => (c === "&" ? "&amp;" : c === "<" ? "&lt;" : c === ">" ? "&gt;" : "&quot;"))
/** JSON that can sit inside a script element. */
const inlineJson = (value: unknown) => JSON.stringify(value).replace(/</g, "\\u003c")

/** Down intervals per node, from the fault lines: [node, from, to, kind]. */
const windowsOf = (history: History, end: number) => {
  const open = new Map<string, { at: number; kind: string }>()
  const windows: Array<[string, number, number, string]> = []
  for (const fault of [...history.faults].sort((a, b) => a.at - b.at)) {
    if (!fault.ok) continue
    if (fault.action === "partition") open.set("(partition)", { at: fault.at, kind: `partition ${fault.node} |` })
    else if (fault.action === "heal") {
      const started = open.get("(partition)")
      if (started !== undefined) windows.push(["", started.at, fault.at, `${started.kind} rest`])
      open.delete("(partition)")
    } else if (fault.action === "kill" || fault.action === "stop") open.set(fault.node, { at: fault.at, kind: fault.action })
    else {
      const started = open.get(fault.node)
      if (started !== undefined) windows.push([fault.node, started.at, fault.at, started.kind])
      open.delete(fault.node)
    }
  }
  for (const [node, started] of open) windows.push([node === "(partition)" ? "" : node, started.at, end, started.kind])
  return windows
}

export const pageOf = (history: History, report: Report): string => {
  const end = Math.max(1, ...history.ops.map((op) => op.end))
  const ops = history.ops.map((op) => [op.id, op.client, op.start, op.end, op.f, op.conflict === true ? "conflict" : op.status, describeOp(op)])
  const anomalies = report.anomalies.map((anomaly) => ({ label: `${anomaly.invariant} ${anomaly.kind}`, key: anomaly.key, message: anomaly.message, ops: anomaly.ops }))
  const data = { ops, anomalies, windows: windowsOf(history, end), clients: history.meta.clients, end }
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>dynamo conform: ${escapeHtml(history.meta.adapter)} ${escapeHtml(history.meta.workload)} (${report.verdict})</title>
<style>
body{font:13px/1.4 system-ui,sans-serif;margin:0;color:#222}
header{padding:10px 16px;border-bottom:1px solid #ccc;background:#fafafa}
pre{margin:6px 0;white-space:pre-wrap;font:12px/1.35 ui-monospace,monospace}
h1{font-size:16px;margin:0 0 4px}
.pass{color:#1a7f37}.fail{color:#b42318}
#anomalies{max-height:35vh;overflow:auto}#anomalies li{margin:3px 0} #anomalies a{cursor:pointer;color:#0550ae;text-decoration:underline;margin-right:4px}
#controls{position:sticky;top:0;background:#fff;padding:6px 16px;border-bottom:1px solid #ddd;z-index:3}
#detail{font:12px ui-monospace,monospace;margin-left:12px}
#timeline{position:relative;margin:0 16px 40px 60px}
.col{position:absolute;top:0;font-weight:600;font-size:11px}
.op{position:absolute;min-height:2px;border-radius:2px;cursor:pointer;opacity:.9}
.op.read{background:#9ec5fe}.op.write{background:#75b798}.op.delete{background:#c29ffa}
.op.failed{background:#f1aeb5}.op.indeterminate{background:#ffda6a}.op.conflict{background:#fecba1}
.op.hit{outline:3px solid #d63384;z-index:2;opacity:1}
.band{position:absolute;left:0;right:0;background:repeating-linear-gradient(45deg,#0000 0 6px,#0001 6px 12px);border-top:1px solid #999}
.band span{position:absolute;right:4px;top:0;font-size:10px;color:#555;background:#fffc}
.tick{position:absolute;left:-58px;font-size:10px;color:#888}
</style></head><body>
<header>
<h1>dynamo conform: <span class="${report.verdict}">${report.verdict.toUpperCase()}</span></h1>
<pre>${escapeHtml(summaryOf({ ...report, anomalies: [] }))}</pre>
<ol id="anomalies"></ol>
</header>
<div id="controls">zoom <button data-z="0.5">−</button> <button data-z="2">+</button>
 <span>blue read, green write, violet delete; red failed, orange a lost compare-and-swap race, yellow indeterminate; hatched: a node down</span><span id="detail"></span></div>
<div id="timeline"></div>
<script type="application/json" id="data">${inlineJson(data)}</script>
<script>
const data = JSON.parse(document.getElementById("data").textContent)
const timeline = document.getElementById("timeline")
const columns = data.clients + 1
const colWidth = Math.max(60, Math.min(160, Math.floor((innerWidth - 120) / columns)))
let scale = Math.min(1, 20000 / data.end)
const elements = new Map()
function draw() {
  timeline.innerHTML = ""
  elements.clear()
  timeline.style.height = (data.end * scale + 40) + "px"
  timeline.style.width = (columns * colWidth) + "px"
  for (let c = 0; c < columns; c++) {
    const label = document.createElement("div")
    label.className = "col"; label.style.left = (c * colWidth) + "px"
    label.textContent = c < data.clients ? "client " + c : "final reads"
    timeline.appendChild(label)
  }
  const nodes = [...new Set(data.windows.map((w) => w[0]))].sort()
  for (const [node, from, to, kind] of data.windows) {
    const band = document.createElement("div")
    band.className = "band"
    band.style.top = (20 + from * scale) + "px"
    band.style.height = Math.max(2, (to - from) * scale) + "px"
    band.style.left = (nodes.indexOf(node) * 4) + "px"
    band.innerHTML = "<span>" + kind + " " + node + "</span>"
    band.title = kind + " " + node + " " + from.toFixed(0) + "-" + to.toFixed(0) + " ms"
    timeline.appendChild(band)
  }
  for (let t = 0; t <= data.end; t += Math.max(100, Math.round(100 / scale / 1000) * 1000)) {
    const tick = document.createElement("div")
    tick.className = "tick"; tick.style.top = (20 + t * scale) + "px"; tick.textContent = (t / 1000).toFixed(1) + " s"
    timeline.appendChild(tick)
  }
  for (const [id, client, start, end, f, status, text] of data.ops) {
    const op = document.createElement("div")
    op.className = "op " + f + (status === "ok" ? "" : " " + status)
    const column = client < 0 ? data.clients : client
    op.style.left = (column * colWidth + 2) + "px"
    op.style.width = (colWidth - 6) + "px"
    op.style.top = (20 + start * scale) + "px"
    op.style.height = Math.max(2, (end - start) * scale) + "px"
    op.title = text
    op.id = "op-" + id
    op.onclick = () => { document.getElementById("detail").textContent = text }
    elements.set(id, op)
    timeline.appendChild(op)
  }
}
function show(ids) {
  for (const el of document.querySelectorAll(".op.hit")) el.classList.remove("hit")
  for (const id of ids) elements.get(id)?.classList.add("hit")
  const first = elements.get(ids[0])
  if (first) first.scrollIntoView({ block: "center" })
  document.getElementById("detail").textContent = ids.map((id) => elements.get(id)?.title ?? "#" + id).join("  |  ")
}
const list = document.getElementById("anomalies")
for (const anomaly of data.anomalies) {
  const item = document.createElement("li")
  const text = document.createElement("span")
  text.textContent = anomaly.label + " on " + anomaly.key + ": " + anomaly.message + " "
  item.appendChild(text)
  for (const id of anomaly.ops) {
    const link = document.createElement("a")
    link.textContent = "#" + id
    link.onclick = () => show([id])
    item.appendChild(link)
  }
  const all = document.createElement("a")
  all.textContent = "(all)"
  all.onclick = () => show(anomaly.ops)
  item.appendChild(all)
  list.appendChild(item)
}
for (const button of document.querySelectorAll("[data-z]")) button.onclick = () => { scale *= Number(button.dataset.z); draw() }
draw()
</script></body></html>
`
}
