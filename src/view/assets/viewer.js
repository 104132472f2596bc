// The trace viewer's script (inlined by src/view/page.ts; plain browser JavaScript, no framework).
// It inflates the view model (src/view/model.ts), draws the rows of the sequence diagram that are
// on screen only (a 40,000-step trace has 40,000 rows), and shows the state of every node at the
// selected step, with what changed at that step highlighted and the selected write's path marked.
"use strict";

const ROW = 22, LABEL = 380, LANE = 96, OVERSCAN_ROWS = 15, PAGE_ROWS = 20, CHIPS_MAX = 60;
const SEARCH_DEBOUNCE_MS = 120;
/** Times above this (2001-09-09 in ms since 1970) are wall-clock, not virtual or logical. */
const WALL_CLOCK_MS_MIN = 1e12;

const $ = (id) => document.getElementById(id);
const esc = (s) => String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

async function inflate(id) {
  const text = $(id).textContent.trim();
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
  return new Response(stream).text();
}

async function main() {
  const model = JSON.parse(await inflate("model-data"));
  const steps = model.steps, lanes = model.lanes, arrows = model.arrows;
  /** The first node lane of a zone after another zone's: drawn with a separator on its left. */
  const zoneEdge = (i) => i > 0 && lanes[i].kind === "node" && lanes[i - 1].kind === "node" && lanes[i].zone !== lanes[i - 1].zone;
  const last = steps.length - 1;
  // A shell trace's times are wall-clock milliseconds: show them from the first step.
  const timeOrigin = steps.length > 0 && steps[0].at > WALL_CLOCK_MS_MIN ? steps[0].at : 0;
  const timeText = (at) => (timeOrigin === 0 ? String(at) : `+${at - timeOrigin}`);

  // ---- indexes ------------------------------------------------------------------------------
  /** lane -> field -> { steps, values }: every value a field took, in step order. */
  const fields = lanes.map(() => new Map());
  for (const c of model.changes) {
    const byField = fields[c.lane];
    let entry = byField.get(c.field);
    if (entry === undefined) byField.set(c.field, (entry = { steps: [], values: [] }));
    entry.steps.push(c.step);
    entry.values.push(c.value);
  }
  /** The index of the last change at or before `step`, or -1. */
  const changeAt = (entry, step) => {
    let lo = 0, hi = entry.steps.length - 1, found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (entry.steps[mid] <= step) { found = mid; lo = mid + 1; } else hi = mid - 1;
    }
    return found;
  };
  const writes = new Map(model.writes.map((w) => [w.id, w]));
  const keys = [...new Set(steps.flatMap((s) => s.keys))].sort();
  const kinds = [...new Set(steps.map((s) => s.kind))].sort();
  const messageTags = [...new Set(steps.filter((s) => s.kind === "message").map((s) => s.tag).concat(arrows.filter((a) => a.status !== "request" && a.status !== "reply").map((a) => a.tag)))].sort();
  let searchText;

  const S = {
    selected: 0,
    write: model.focus ? model.focus.write : undefined,
    hiddenLanes: new Set(), hiddenKinds: new Set(), hiddenTags: new Set(), key: "",
    query: "", hits: [], hitSet: new Set(),
    rows: [], rowOf: new Int32Array(steps.length), laneX: new Map(), visibleArrows: [],
    path: new Set(), pathArrows: new Set(), drops: new Map(),
  };

  // ---- filters and layout -------------------------------------------------------------------
  function applyFilters() {
    S.rows = [];
    S.rowOf.fill(-1);
    for (let i = 0; i < steps.length; i++) {
      const s = steps[i];
      if (S.hiddenLanes.has(s.lane) || S.hiddenKinds.has(s.kind)) continue;
      if (s.kind === "message" && S.hiddenTags.has(s.tag)) continue;
      if (S.key !== "" && !s.keys.includes(S.key)) continue;
      S.rowOf[i] = S.rows.length;
      S.rows.push(i);
    }
    S.laneX = new Map();
    let column = 0;
    lanes.forEach((lane, i) => { if (!S.hiddenLanes.has(i)) S.laneX.set(i, LABEL + column++ * LANE + LANE / 2); });
    S.width = LABEL + column * LANE + 150;
    S.visibleArrows = [];
    arrows.forEach((a, index) => {
      if (!S.laneX.has(a.fromLane) || !S.laneX.has(a.toLane)) return;
      if (a.status !== "request" && a.status !== "reply" && S.hiddenTags.has(a.tag)) return;
      const r1 = S.rowOf[a.from];
      const r2 = a.to >= 0 ? S.rowOf[a.to] : r1 + 1;
      if (r1 < 0 || r2 < 0) return;
      S.visibleArrows.push({ index, r1: Math.min(r1, r2), r2: Math.max(r1, r2) });
    });
    $("spacer").style.height = `${S.rows.length * ROW + ROW}px`;
    $("spacer").style.width = `${S.width}px`;
    $("lanes").innerHTML = lanes.map((lane, i) => S.laneX.has(i)
      ? `<span class="${lane.kind}${zoneEdge(i) ? " zone-edge" : ""}" style="left:${S.laneX.get(i) - LANE / 2}px;width:${LANE}px"${lane.zone ? ` title="zone ${esc(lane.zone)}"` : ""}>${esc(lane.id)}${lane.zone ? `<small>${esc(lane.zone)}</small>` : ""}</span>` : "").join("")
      + `<span style="left:6px;text-align:left">step · ${timeOrigin === 0 ? "time" : "ms since #0"} · what arrived</span>`;
    renderSearchCount();
  }

  function choosePath() {
    const w = S.write === undefined ? undefined : writes.get(S.write);
    S.path = new Set(w ? w.steps : []);
    S.pathArrows = new Set(w ? w.arrows : []);
    S.drops = new Map();
    if (w) for (const d of w.drops) if (d.kind !== "superseded") S.drops.set(d.step, d);
  }

  // ---- the diagram (only the rows on screen) ------------------------------------------------
  const scroller = $("scroller"), canvas = $("canvas");
  let frame = 0;
  const schedule = () => { if (!frame) frame = requestAnimationFrame(() => { frame = 0; drawDiagram(); }); };

  /** The first visible row at or after `step` (rows are in step order). */
  function rowAtOrAfter(step) {
    let lo = 0, hi = S.rows.length - 1, found = S.rows.length;
    while (lo <= hi) { const mid = (lo + hi) >> 1; if (S.rows[mid] >= step) { found = mid; hi = mid - 1; } else lo = mid + 1; }
    return found;
  }

  function drawDiagram() {
    const top = scroller.scrollTop, height = scroller.clientHeight;
    const r0 = Math.max(0, Math.floor(top / ROW) - OVERSCAN_ROWS);
    const r1 = Math.min(S.rows.length - 1, Math.ceil((top + height) / ROW) + OVERSCAN_ROWS);
    const y = (row) => (row - r0) * ROW + ROW / 2;
    const out = [];
    out.push(`<defs><pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="#fff7e0"/><line x1="0" y1="0" x2="0" y2="6" stroke="#e2b45c" stroke-width="2"/></pattern>`
      + ["msg:#2f6fd6", "client:#1f9d55", "path:#e8730c", "lost:#d33131", "grey:#8a93a0"].map((m) => { const [n, c] = m.split(":"); return `<marker id="m-${n}" viewBox="0 0 8 8" refX="7" refY="4" markerUnits="userSpaceOnUse" markerWidth="9" markerHeight="9" orient="auto-start-reverse"><path d="M0,0 L8,4 L0,8 z" fill="${c}"/></marker>`; }).join("") + `</defs>`);
    const detect = model.focus ? model.focus.step : -1;
    for (let row = r0; row <= r1; row++) {
      const i = S.rows[row];
      const cls = i === S.selected ? "selected" : i === detect ? "detect" : S.path.has(i) ? "path" : S.hitSet.has(i) ? "hit" : row % 2 ? "alt" : "";
      out.push(`<rect class="row ${cls}" data-step="${i}" x="0" y="${y(row) - ROW / 2}" width="${S.width}" height="${ROW}"/>`);
    }
    const rowTop = (row) => y(row) - ROW / 2;
    for (const band of model.bands) {
      const a = rowAtOrAfter(band.from), b = band.to < 0 ? S.rows.length : rowAtOrAfter(band.to);
      if (b < r0 || a > r1 || a >= S.rows.length) continue;
      const lanesIn = band.lanes.filter((l) => S.laneX.has(l));
      lanesIn.forEach((l, k) => {
        const x = S.laneX.get(l) - LANE / 2 + 4;
        out.push(`<rect class="band ${band.kind}" x="${x}" y="${rowTop(Math.max(a, r0 - 1))}" width="${LANE - 8}" height="${(Math.min(b, r1 + 1) - Math.max(a, r0 - 1)) * ROW}"><title>${esc(band.label)}</title></rect>`);
        if (k === 0 && a >= r0) out.push(`<text class="band-label" x="${x + 2}" y="${y(a) + 1}">${esc(band.kind === "partition" ? "partition" : band.kind === "down" ? "down" : "disk lost")}</text>`);
      });
    }
    for (const [lane, x] of S.laneX) out.push(`<line class="lane ${lanes[lane].kind}" x1="${x}" x2="${x}" y1="0" y2="${(r1 - r0 + 1) * ROW}"/>`);
    for (const { index, r1: a, r2: b } of S.visibleArrows) {
      if (b < r0 || a > r1) continue;
      const arrow = arrows[index];
      const onPath = S.pathArrows.has(index);
      const x1 = S.laneX.get(arrow.fromLane), x2 = S.laneX.get(arrow.toLane);
      const ya = y(S.rowOf[arrow.from]);
      const lost = arrow.status === "dropped" || arrow.status === "dropped-down";
      const marker = onPath ? "path" : lost ? "lost" : arrow.status === "request" || arrow.status === "reply" ? "client" : arrow.status === "undelivered" || arrow.status === "unrecorded" ? "grey" : "msg";
      const title = `<title>${esc(`${arrow.label} — ${arrow.status}${arrow.to >= 0 && arrow.to !== arrow.from ? ` (#${arrow.from} → #${arrow.to})` : ""}`)}</title>`;
      if (arrow.to < 0) {
        const xe = x1 + (x2 - x1) * 0.6, ye = ya + ROW * 0.9;
        out.push(`<line class="arrow ${arrow.status}${onPath ? " on-path" : ""}" x1="${x1}" y1="${ya}" x2="${xe}" y2="${ye}">${title}</line>`);
        if (lost) out.push(`<path class="x" d="M${xe - 4},${ye - 4} l8,8 m0,-8 l-8,8">${title}</path>`);
        else out.push(`<text class="num" x="${xe + 3}" y="${ye}">?${title}</text>`);
      } else {
        const yb = y(S.rowOf[arrow.to]);
        out.push(`<line class="arrow ${arrow.status}${onPath ? " on-path" : ""}" x1="${x1}" y1="${ya}" x2="${x2}" y2="${yb}" marker-end="url(#m-${marker})">${title}</line>`);
      }
    }
    let group;
    for (let row = r0; row <= r1; row++) {
      const i = S.rows[row], s = steps[i], x = S.laneX.get(s.lane), yy = y(row);
      if (s.group !== undefined && s.group !== (i > 0 ? steps[i - 1].group : undefined) && group !== s.group) {
        group = s.group;
        out.push(`<line x1="0" x2="${S.width}" y1="${yy - ROW / 2}" y2="${yy - ROW / 2}" stroke="#c59b4a"/>`);
      }
      const text = s.group !== undefined && s.group !== (i > 0 ? steps[i - 1].group : undefined) ? `▸ ${model.groups[s.group]}` : s.label;
      out.push(`<text class="num" x="4" y="${yy}">#${i}</text><text class="num" x="58" y="${yy}">${esc(timeText(s.at))}</text>`
        + `<text class="${s.group !== undefined && text !== s.label ? "group" : "label"}" x="118" y="${yy}">${esc(text.length > 40 ? text.slice(0, 39) + "…" : text)}<title>${esc(s.label)}</title></text>`);
      if (x === undefined) continue;
      if (s.kind === "timer") out.push(`<line class="tick" x1="${x - 7}" x2="${x + 7}" y1="${yy}" y2="${yy}"><title>${esc(s.label)}</title></line>`);
      else if (s.kind === "fault") out.push(`<rect class="dot fault ${s.tag}" x="${x - 5}" y="${yy - 5}" width="10" height="10" transform="rotate(45 ${x} ${yy})"><title>${esc(s.label)}</title></rect>`);
      else out.push(`<circle class="dot ${s.kind}" cx="${x}" cy="${yy}" r="${s.kind === "persist" ? 3 : 4.5}"><title>${esc(s.label)}</title></circle>`);
      const drop = S.drops.get(i);
      if (drop !== undefined && S.laneX.has(drop.lane)) out.push(`<text class="drop-mark" x="${S.laneX.get(drop.lane) + 7}" y="${yy}">✕ ${esc(drop.kind.replace(/-/g, " "))} ${esc(S.write)}</text>`);
      if (i === detect) out.push(`<text class="detect-mark" x="${S.width - 8}" y="${yy}" text-anchor="end">⚠ ${esc(model.focus.invariant)} detected</text>`);
    }
    canvas.setAttribute("width", S.width);
    canvas.setAttribute("height", (r1 - r0 + 1) * ROW);
    canvas.style.top = `${r0 * ROW}px`;
    canvas.innerHTML = out.join("");
    $("lanes").scrollLeft = scroller.scrollLeft;
  }

  // ---- the state pane -----------------------------------------------------------------------
  const sameSib = (a, b) => a.write === b.write && a.dot === b.dot;
  function siblings(set, previous) {
    const chips = set.siblings.map((s) => {
      const fresh = previous !== undefined && !(previous && previous.siblings.some((p) => sameSib(p, s)));
      return `<span class="sib${s.tombstone ? " tomb" : ""}${fresh ? " new" : ""}${s.write === S.write ? " focus" : ""}" data-write="${esc(s.write)}" title="dot/clock ${esc(s.dot)}">${s.tombstone ? "⊥ " : ""}${esc(s.write)} <span class="dot">${esc(s.dot)}</span></span>`;
    });
    const gone = previous ? previous.siblings.filter((p) => !set.siblings.some((s) => sameSib(p, s)))
      .map((p) => `<span class="sib gone${p.write === S.write ? " focus" : ""}" data-write="${esc(p.write)}" title="no longer held">${esc(p.write)} <span class="dot">${esc(p.dot)}</span></span>`) : [];
    return `${chips.concat(gone).join("") || "<i>empty</i>"} <span class="ctx">context ${esc(set.context)}</span>`;
  }

  function fieldLine(name, value, previous, changed, body) {
    return `<div class="field${changed ? " changed" : ""}"><span class="name">${esc(name)}</span> ${body(value, changed ? previous : undefined)}</div>`;
  }

  function card(lane, step) {
    const byField = fields[lane];
    const get = (field) => {
      const entry = byField.get(field);
      if (!entry) return { value: null, changed: false, previous: null };
      const k = changeAt(entry, step);
      return { value: k < 0 ? null : entry.values[k], changed: k >= 0 && entry.steps[k] === step, previous: k > 0 ? entry.values[k - 1] : null };
    };
    const status = get("status").value;
    if (!status) return "";
    const parts = [];
    const names = [...byField.keys()].sort();
    for (const name of names.filter((n) => n.startsWith("store:"))) {
      const key = name.slice(6);
      if (S.key !== "" && key !== S.key) continue;
      const f = get(name);
      if (f.value) parts.push(fieldLine(key, f.value, f.previous, f.changed, siblings));
      else if (f.changed && f.previous) parts.push(fieldLine(key, { siblings: [], context: "{}" }, f.previous, true, siblings));
      const d = get(`disk:${key}`);
      if (d.value && (!status.up || JSON.stringify(d.value) !== JSON.stringify(f.value))) parts.push(fieldLine(`${key} on disk`, d.value, d.previous, d.changed, siblings));
    }
    if (!status.up) for (const name of names.filter((n) => n.startsWith("disk:"))) {
      const key = name.slice(5), d = get(name);
      if ((S.key === "" || key === S.key) && d.value && !byField.has(`store:${key}`)) parts.push(fieldLine(`${key} on disk`, d.value, d.previous, d.changed, siblings));
    }
    const hints = get("hints");
    if (hints.value && (hints.value.length > 0 || hints.changed)) parts.push(fieldLine("hints", hints.value, hints.previous, hints.changed,
      (v) => v.length === 0 ? "<i>none</i>" : v.filter((h) => S.key === "" || h.key === S.key).map((h) => `<div>for <b>${esc(h.intended)}</b> ${esc(h.key)}: ${siblings(h.set)}</div>`).join("")));
    const requests = get("requests");
    if (requests.value && (requests.value.length > 0 || requests.changed)) parts.push(fieldLine("requests", requests.value, requests.previous, requests.changed,
      (v) => v.length === 0 ? "<i>none in progress</i>" : v.map((r) => `<div class="mono">op ${r.op} ${r.kind} ${esc(r.key)} (${esc(r.client)}) → [${esc(r.targets.join(", "))}]; ${r.kind === "put" ? "durable on" : "answered by"} [${esc(r.answered.join(", "))}] of ${r.needed}${r.replied ? "; replied" : ""}</div>`).join("")));
    const members = get("members");
    if (members.value && members.value.length > 0) parts.push(fieldLine("members", members.value, members.previous, members.changed,
      (v) => `<span class="mono">${v.map((m) => `${esc(m.id)}${m.status === "member" ? "" : ` (${esc(m.status)})`}`).join(", ")}</span>`));
    const st = get("status");
    const head = status.up
      ? `<b>${esc(lanes[lane].id)}</b>${lanes[lane].zone ? ` <span class="zone">${esc(lanes[lane].zone)}</span>` : ""} <span>epoch ${status.epoch}${status.ready ? "" : " · not ready"}${status.pending ? ` · ${status.pending} persist(s) pending` : ""}${status.down.length ? ` · believes down: ${esc(status.down.join(", "))}` : ""}</span>`
      : `<b>${esc(lanes[lane].id)}</b> <span>down (epoch ${status.epoch} on disk)</span>`;
    return `<div class="card${status.up ? "" : " down"}${steps[step].lane === lane ? " stepped" : ""}" data-lane="${esc(lanes[lane].id)}"><div class="head${st.changed ? " changed" : ""}">${head}</div><div class="body">${parts.join("") || "<i>holds nothing</i>"}</div></div>`;
  }

  function drawPane() {
    const i = S.selected, s = steps[i];
    const command = i === last ? model.replay.whole : model.replay.upTo.replace("{next}", String(i + 1));
    const w = S.write === undefined ? undefined : writes.get(S.write);
    const writeBox = w ? `<div class="field"><span class="name">write</span> <b>${esc(w.id)}</b> on ${esc(w.key)}: ${w.origin >= 0 ? `issued at ${chip(w.origin)}` : "issued outside this trace"}; carried by ${w.steps.length} steps${w.drops.length ? `; ${w.drops.map((d) => `${d.kind.replace(/-/g, " ")} at ${chip(d.step, d.kind === "superseded" ? "" : "drop")} on ${esc(lanes[d.lane].id)}`).join(", ")}` : ""} <button data-act="clear-write">clear</button></div>` : "";
    $("pane").innerHTML = `<h2>Step #${i} <span class="badge">${esc(s.kind)} ${esc(s.tag)}</span></h2>`
      + `<div>at ${esc(s.at)} · <b>${esc(lanes[s.lane].id)}</b> ${esc(s.label)}</div>`
      + (s.group !== undefined ? `<div class="ctx">${esc(model.groups[s.group])}</div>` : "")
      + (s.effects.length ? `<ul class="effects mono">${s.effects.map((e) => `<li>${esc(e)}</li>`).join("")}</ul>` : `<div class="ctx">no effects</div>`)
      + `<div class="replay"><code id="replay-command">${esc(command)}</code><button data-act="copy">copy</button></div>`
      + writeBox
      + lanes.map((lane, l) => lane.kind === "node" && !S.hiddenLanes.has(l) ? card(l, i) : "").join("");
  }

  const chip = (step, cls = "") => `<span class="chip ${cls}" data-step="${step}" title="${esc(steps[step] ? steps[step].label : "")}">#${step}${steps[step] ? ` ${esc(lanes[steps[step].lane].id)} ${esc(steps[step].tag)}` : ""}</span>`;

  // ---- the banner: the violation, the lost write's path, a divergence -----------------------
  function drawBanner() {
    const banner = $("banner");
    const f = model.focus;
    let html = "";
    if (model.divergence) html += `<div><b>Replay diverged</b>: <span class="mono">${esc(model.divergence)}</span></div>`;
    if (f) {
      const w = f.write === undefined ? undefined : writes.get(f.write);
      html += `<div id="violation" data-invariant="${esc(f.invariant)}" data-step="${f.step}" data-write="${esc(f.write || "")}"><b>⚠ ${esc(f.invariant)}</b> ${esc(f.message)}</div>`
        + `<div class="chips">detected after ${chip(f.step, "detect")}${f.key ? ` · key <b>${esc(f.key)}</b>` : ""}${f.nodes.length ? ` · nodes ${esc(f.nodes.join(", "))}` : ""}</div>`;
      if (w) {
        const shown = w.steps.slice(0, CHIPS_MAX);
        const dropSteps = new Set(w.drops.filter((d) => d.kind !== "superseded").map((d) => d.step));
        html += `<div class="chips">path of <b>${esc(w.id)}</b>: ${shown.map((st) => chip(st, dropSteps.has(st) ? "drop" : "")).join(" → ")}${w.steps.length > shown.length ? ` … (${w.steps.length} steps)` : ""}</div>`;
        const missing = w.arrows.map((a) => arrows[a]).filter((a) => a.to < 0 && a.status !== "unrecorded");
        if (missing.length) html += `<div class="chips">messages carrying it that never arrived: ${missing.map((a) => `${chip(a.from, "drop")} ${esc(a.tag)} to ${esc(lanes[a.toLane].id)} (${esc(a.status.replace(/-/g, " "))})`).join(", ")}</div>`;
      }
      if (f.key && f.nodes.length) {
        const held = f.nodes.map((node) => {
          const lane = lanes.findIndex((l) => l.id === node), entry = lane < 0 ? undefined : fields[lane].get(`store:${f.key}`);
          const k = entry ? changeAt(entry, f.step) : -1;
          return lane < 0 ? "" : `${esc(node)} holds [${k < 0 || !entry.values[k] ? "" : esc(entry.values[k].siblings.map((s) => s.write).join(", "))}]`;
        }).filter(Boolean);
        html += `<div class="chips" id="replicas">at the detection, ${f.key}: ${held.join(" · ")}</div>`;
      }
    } else if (!model.divergence) {
      html = `<span class="ctx">no violation recorded${model.violations.length ? "" : ""}</span>`;
      banner.className = "clean";
    }
    banner.innerHTML = html;
    $("summary").textContent = `${steps.length} steps · ${arrows.filter((a) => a.status !== "request" && a.status !== "reply").length} messages · ${lanes.filter((l) => l.kind === "node").length} nodes`;
  }

  // ---- toolbar: filters, search -------------------------------------------------------------
  function checkboxes(name, items, hidden, label) {
    return `<details><summary>${name}</summary><div><button data-all="${name}">all</button> <button data-none="${name}">none</button>${items.map((item) => `<label><input type="checkbox" data-filter="${name}" value="${esc(item.value)}"${hidden.has(item.value) ? "" : " checked"}> ${esc(label(item))}</label>`).join("")}</div></details>`;
  }
  function drawToolbar() {
    $("toolbar").innerHTML = checkboxes("lanes", lanes.map((l, i) => ({ value: String(i), text: l.id })), new Set([...S.hiddenLanes].map(String)), (x) => x.text)
      + checkboxes("kinds", kinds.map((k) => ({ value: k, text: k })), S.hiddenKinds, (x) => x.text)
      + checkboxes("messages", messageTags.map((k) => ({ value: k, text: k })), S.hiddenTags, (x) => x.text)
      + `<label>key <select id="key"><option value="">all keys</option>${keys.map((k) => `<option${k === S.key ? " selected" : ""}>${esc(k)}</option>`).join("")}</select></label>`
      + `<label>search <input id="search" placeholder="write id, node, message…" value="${esc(S.query)}"></label> <span id="search-count"></span>`
      + `<button data-act="prev-hit">◀</button><button data-act="next-hit">▶</button>`
      + (model.focus ? `<button data-act="violation">go to violation</button>` : "")
      + `<button data-act="download">download trace</button>`
      + `<span class="legend"><i style="border-color:#2f6fd6"></i>delivered<i style="border-color:#2f6fd6;border-top-style:dotted"></i>duplicate<i style="border-color:#d33131;border-top-style:dashed"></i>dropped ✕<i style="border-color:#8a93a0;border-top-style:dotted"></i>never delivered ?<i style="border-color:#1f9d55"></i>client<i style="border-color:#e8730c;border-top-width:3px"></i>write's path</span>`;
    $("search").addEventListener("input", (e) => { clearTimeout(S.searchTimer); S.searchTimer = setTimeout(() => search(e.target.value), SEARCH_DEBOUNCE_MS); });
    $("key").addEventListener("change", (e) => { S.key = e.target.value; refresh(); });
  }
  const filterSets = { lanes: () => S.hiddenLanes, kinds: () => S.hiddenKinds, messages: () => S.hiddenTags };
  const filterValue = (name, value) => (name === "lanes" ? Number(value) : value);

  function search(query) {
    S.query = query;
    const q = query.trim().toLowerCase();
    if (searchText === undefined && q !== "") searchText = steps.map((s) => `${lanes[s.lane].id} ${s.label}\n${s.effects.join("\n")}`.toLowerCase());
    S.hits = q === "" ? [] : steps.flatMap((_, i) => (searchText[i].includes(q) ? [i] : []));
    S.hitSet = new Set(S.hits);
    renderSearchCount();
    redraw();
  }
  function renderSearchCount() {
    const el = $("search-count");
    if (!el) return;
    const shown = S.hits.filter((i) => S.rowOf[i] >= 0).length;
    el.textContent = S.query.trim() === "" ? "" : `${S.hits.length} of ${steps.length} steps match${shown === S.hits.length ? "" : ` (${shown} shown)`}`;
  }

  // ---- overview strip -----------------------------------------------------------------------
  function drawOverview() {
    const c = $("overview"), width = c.clientWidth;
    c.width = width;
    const ctx = c.getContext("2d"), h = c.height, x = (i) => Math.round((i / Math.max(1, last)) * (width - 1));
    ctx.clearRect(0, 0, width, h);
    ctx.fillStyle = "#c9ced6";
    for (const b of model.bands) ctx.fillRect(x(b.from), 0, Math.max(1, x(b.to < 0 ? last : b.to) - x(b.from)), 4);
    ctx.fillStyle = "#7c4dff";
    for (const i of S.hits) ctx.fillRect(x(i), 5, 1, 7);
    ctx.fillStyle = "#e8730c";
    for (const i of S.path) ctx.fillRect(x(i), 13, 1, 8);
    ctx.fillStyle = "#d33131";
    for (const i of S.drops.keys()) ctx.fillRect(x(i) - 1, 10, 3, 14);
    if (model.focus) ctx.fillRect(x(model.focus.step) - 1, 0, 3, h);
    ctx.fillStyle = "#2f6fd6";
    ctx.fillRect(x(S.selected) - 1, 0, 2, h);
  }

  // ---- selection and navigation -------------------------------------------------------------
  function select(step, scroll = true) {
    S.selected = Math.max(0, Math.min(last, step));
    $("slider").value = String(S.selected);
    document.body.dataset.selected = String(S.selected);
    history.replaceState(null, "", `#${S.selected}`);
    const row = S.rowOf[S.selected];
    if (scroll && row >= 0) {
      const top = row * ROW, view = scroller.clientHeight;
      if (top < scroller.scrollTop || top + ROW > scroller.scrollTop + view) scroller.scrollTop = Math.max(0, top - view / 3);
    }
    drawPane();
    drawOverview();
    drawDiagram();
  }
  function move(delta) {
    if (S.rows.length === 0) return;
    let row = S.rowOf[S.selected];
    if (row < 0) row = Math.min(S.rows.length - 1, rowAtOrAfter(S.selected) - (delta > 0 ? 1 : 0));
    select(S.rows[Math.max(0, Math.min(S.rows.length - 1, row + delta))]);
  }
  function jumpAmong(list, forward) {
    if (list.length === 0) return;
    const next = forward ? list.find((i) => i > S.selected) : [...list].reverse().find((i) => i < S.selected);
    select(next === undefined ? (forward ? list[0] : list[list.length - 1]) : next);
  }
  function redraw() { drawPane(); drawOverview(); drawDiagram(); }
  function refresh() { applyFilters(); redraw(); }

  document.addEventListener("keydown", (e) => {
    const typing = e.target instanceof HTMLInputElement && e.target.type !== "checkbox" && e.target.type !== "range" || e.target instanceof HTMLSelectElement;
    if (typing) { if (e.key === "Escape") e.target.blur(); if (e.key === "Enter") jumpAmong(S.hits, !e.shiftKey); return; }
    const keys = { ArrowDown: () => move(1), j: () => move(1), ArrowUp: () => move(-1), k: () => move(-1), ArrowRight: () => move(1), ArrowLeft: () => move(-1),
      PageDown: () => move(PAGE_ROWS), PageUp: () => move(-PAGE_ROWS), Home: () => select(S.rows[0] ?? 0), End: () => select(S.rows[S.rows.length - 1] ?? last),
      v: () => model.focus && select(model.focus.step), n: () => jumpAmong(S.hits, true), N: () => jumpAmong(S.hits, false),
      p: () => jumpAmong([...S.path], true), P: () => jumpAmong([...S.path], false), "/": () => $("search").focus() };
    const action = keys[e.key];
    if (action) { e.preventDefault(); action(); }
  });
  document.addEventListener("click", async (e) => {
    const t = e.target.closest("[data-step],[data-write],[data-act],[data-all],[data-none]");
    if (!t) return;
    if (t.dataset.step !== undefined && !t.closest("#toolbar")) select(Number(t.dataset.step));
    else if (t.dataset.write !== undefined && t.classList.contains("sib")) { S.write = t.dataset.write; choosePath(); redraw(); }
    else if (t.dataset.all || t.dataset.none) {
      const name = t.dataset.all || t.dataset.none, set = filterSets[name]();
      set.clear();
      if (t.dataset.none) for (const box of document.querySelectorAll(`input[data-filter="${name}"]`)) set.add(filterValue(name, box.value));
      for (const box of document.querySelectorAll(`input[data-filter="${name}"]`)) box.checked = !t.dataset.none;
      refresh();
    } else if (t.dataset.act === "violation") select(model.focus.step);
    else if (t.dataset.act === "next-hit") jumpAmong(S.hits, true);
    else if (t.dataset.act === "prev-hit") jumpAmong(S.hits, false);
    else if (t.dataset.act === "clear-write") { S.write = undefined; choosePath(); redraw(); }
    else if (t.dataset.act === "copy") {
      const text = $("replay-command").textContent;
      try { await navigator.clipboard.writeText(text); t.textContent = "copied"; } catch { getSelection().selectAllChildren($("replay-command")); }
    } else if (t.dataset.act === "download") {
      const blob = new Blob([await inflate("trace-data")], { type: "application/json" });
      const a = document.createElement("a");
      a.href = URL.createObjectURL(blob);
      a.download = $("trace-data").dataset.name;
      a.click();
    }
  });
  document.addEventListener("change", (e) => {
    const box = e.target;
    if (!(box instanceof HTMLInputElement) || !box.dataset.filter) return;
    const set = filterSets[box.dataset.filter](), value = filterValue(box.dataset.filter, box.value);
    if (box.checked) set.delete(value); else set.add(value);
    refresh();
  });
  scroller.addEventListener("scroll", schedule);
  window.addEventListener("resize", () => { schedule(); drawOverview(); });
  $("slider").max = String(last);
  $("slider").addEventListener("input", (e) => select(Number(e.target.value)));
  $("overview").addEventListener("click", (e) => { const r = e.target.getBoundingClientRect(); select(Math.round(((e.clientX - r.left) / r.width) * last)); });

  drawToolbar();
  drawBanner();
  choosePath();
  applyFilters();
  const fromHash = Number(location.hash.slice(1));
  select(location.hash.length > 1 && Number.isInteger(fromHash) ? fromHash : 0);
  document.body.dataset.ready = "true";
}

main().catch((error) => {
  document.body.dataset.ready = "error";
  document.getElementById("banner").textContent = `The viewer could not start: ${error && error.message ? error.message : error}`;
});
