// peng-ts web view and HTML report: one script for both. Live pages read
// Server-Sent Events from /events (a `snapshot`, then `delta`s); the report
// reads the snapshot embedded in <script id="peng-data">. Everything from the
// sensor is put in the page as text (textContent), never as HTML.
(function () {
  'use strict';
  const $ = (id) => document.getElementById(id);
  const st = { meta: null, frames: [], marks: {}, scans: new Map(), other: [], health: null, dropped: null };
  const ui = { filter: '', status: 'all', sort: 'status', desc: false, selected: null };

  // ---- formatting -------------------------------------------------------
  const pad = (n, w = 2) => String(n).padStart(w, '0');
  function time(t) {
    if (t === null || t === undefined || !Number.isFinite(t)) return '';
    const d = new Date(t * 1000);
    return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
  }
  const int = (n) => (n === null || n === undefined ? '' : Number(n).toLocaleString('en-US'));
  const plural = (n, w) => `${int(n)} ${w}${n === 1 ? '' : 's'}`;
  // Scores span from ratios (1.235) to likelihood ratios (1e15): long ones in exponent form.
  const num = (n) => (typeof n !== 'number' ? String(n) : Math.abs(n) >= 1e9 ? n.toExponential(2) : Number.isInteger(n) ? int(n) : n.toFixed(3));
  function clock(t, withDate) {
    const s = time(t);
    return withDate ? s.slice(5, 16) : s.slice(11);
  }
  function el(tag, attrs, ...kids) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === 'class') e.className = v;
      else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
      else e.setAttribute(k, v);
    }
    for (const k of kids) if (k !== null && k !== undefined) e.append(k instanceof Node ? k : String(k));
    return e;
  }

  // ---- state ------------------------------------------------------------
  function apply(d, whole) {
    if (whole) {
      st.frames = [];
      st.scans = new Map();
      st.other = [];
    }
    st.meta = d.meta;
    const lastEnd = st.frames.length ? st.frames[st.frames.length - 1][0] : -Infinity;
    for (const f of d.frames) if (f[0] > lastEnd) st.frames.push(f);
    const cap = d.meta.limits.maxFrames;
    if (st.frames.length > cap) st.frames.splice(0, st.frames.length - cap);
    st.marks = d.marks || {};
    for (const s of d.scans) st.scans.set(s.last.id, s);
    while (st.scans.size > d.meta.limits.maxScans) st.scans.delete(st.scans.keys().next().value);
    const seen = new Set(st.other.map((o) => o.seq));
    for (const o of d.other) if (!seen.has(o.seq)) st.other.push(o);
    if (st.other.length > d.meta.limits.maxOther) st.other.splice(0, st.other.length - d.meta.limits.maxOther);
    if (d.health) st.health = d.health;
    st.dropped = d.dropped;
    // The detail is rebuilt only when its scanner changed, so text selected in it stays selected.
    const detailChanged = whole || d.scans.some((x) => x.last.scanner === ui.selected);
    render(detailChanged);
  }

  // ---- scans grouped by scanner ------------------------------------------
  function groups() {
    const by = new Map();
    for (const s of st.scans.values()) {
      const e = s.last;
      let g = by.get(e.scanner);
      if (!g) by.set(e.scanner, (g = { scanner: e.scanner, scans: [], technique: [], tool: [], pattern: [] }));
      g.scans.push(s);
      for (const t of e.technique) if (!g.technique.includes(t)) g.technique.push(t);
      if (!g.tool.includes(e.tool)) g.tool.push(e.tool);
      if (!g.pattern.includes(e.pattern)) g.pattern.push(e.pattern);
    }
    const out = [];
    for (const g of by.values()) {
      const ls = g.scans.map((s) => s.last);
      g.engaged = ls.some((e) => e.event !== 'end');
      g.status = g.engaged ? 'engaged' : 'ended';
      g.targets = Math.max(...ls.map((e) => e.targets));
      g.ports = Math.max(...ls.map((e) => e.ports));
      g.probes = ls.reduce((a, e) => a + e.probes, 0);
      g.probesToDetect = Math.min(...ls.map((e) => e.probesToDetect));
      g.firstSeen = Math.min(...ls.map((e) => e.firstSeen));
      g.lastSeen = Math.max(...ls.map((e) => e.lastSeen));
      g.text = [g.scanner, g.status, ...g.technique, ...g.tool, ...g.pattern, ...ls.map((e) => e.id), ...ls.flatMap((e) => e.sampleTargets), ...ls.flatMap((e) => e.samplePorts)]
        .join(' ')
        .toLowerCase();
      out.push(g);
    }
    return out;
  }

  const MAX_ROWS = 500;
  const COLUMNS = [
    ['status', 'Status', (g) => g.status],
    ['scanner', 'Scanner', (g) => g.scanner],
    ['count', 'Scans', (g) => g.scans.length],
    ['technique', 'Technique', (g) => g.technique.join(', ')],
    ['pattern', 'Pattern', (g) => g.pattern.join(', ')],
    ['tool', 'Tool', (g) => g.tool.join(', ')],
    ['targets', 'Targets', (g) => g.targets],
    ['ports', 'Ports', (g) => g.ports],
    ['probes', 'Probes', (g) => g.probes],
    ['probesToDetect', 'To detect', (g) => g.probesToDetect],
    ['firstSeen', 'First seen', (g) => g.firstSeen],
    ['lastSeen', 'Last seen', (g) => g.lastSeen],
  ];

  function sortKey(g) {
    // Default order: engaged first, then the latest activity first.
    if (ui.sort === 'status') return [g.engaged ? 0 : 1, -g.lastSeen];
    const c = COLUMNS.find((c) => c[0] === ui.sort);
    return [c[2](g)];
  }
  function cmp(a, b) {
    for (let i = 0; i < a.length; i++) {
      if (a[i] < b[i]) return -1;
      if (a[i] > b[i]) return 1;
    }
    return 0;
  }

  function renderInbox() {
    const head = $('inbox-head');
    head.replaceChildren(
      ...COLUMNS.map(([key, label]) =>
        el('th', { 'data-key': key, class: ui.sort === key ? (ui.desc ? 'sorted desc' : 'sorted') : '', onclick: () => {
          ui.desc = ui.sort === key ? !ui.desc : false;
          ui.sort = key;
          renderInbox();
        } }, label),
      ),
    );
    const all = groups();
    const rows = all
      .filter((g) => (ui.status === 'all' || g.status === ui.status) && (!ui.filter || g.text.includes(ui.filter)))
      .sort((a, b) => cmp(sortKey(a), sortKey(b)) * (ui.desc ? -1 : 1));
    // The page is rebuilt on every push: draw at most MAX_ROWS rows (filter or sort to see others).
    $('inbox-body').replaceChildren(
      ...rows.slice(0, MAX_ROWS).map((g) =>
        el('tr', { 'data-scanner': g.scanner, 'data-ids': g.scans.map((s) => s.last.id).join(' '), 'data-status': g.status, class: (g.scanner === ui.selected ? 'selected ' : '') + g.status, onclick: () => select(g.scanner) },
          ...COLUMNS.map(([key, , get]) => {
            const v = get(g);
            if (key === 'status') return el('td', {}, el('span', { class: `badge ${v}` }, v));
            return el('td', { class: typeof v === 'number' ? 'n' : '' }, key.endsWith('Seen') ? time(v) : typeof v === 'number' ? int(v) : v);
          }),
        ),
      ),
    );
    const engaged = all.filter((g) => g.engaged).length;
    $('inbox-count').textContent = `${all.length} scanner${all.length === 1 ? '' : 's'} (${engaged} engaged), ${st.scans.size} scan${st.scans.size === 1 ? '' : 's'}; showing ${Math.min(rows.length, MAX_ROWS)}${rows.length > MAX_ROWS ? ` of ${rows.length} (filter to narrow)` : ''}`;
    $('inbox-empty').hidden = rows.length > 0;
  }

  function select(scanner) {
    ui.selected = ui.selected === scanner ? null : scanner;
    renderInbox();
    renderDetail();
  }

  function renderDetail() {
    const box = $('detail');
    const scans = [...st.scans.values()].filter((s) => s.last.scanner === ui.selected);
    box.hidden = scans.length === 0;
    if (box.hidden) return;
    $('detail-title').textContent = `Scanner ${ui.selected}`;
    $('detail-body').replaceChildren(
      ...scans.map((s) => {
        const e = s.last;
        const kv = (k, v) => [el('dt', {}, k), el('dd', {}, v)];
        return el('article', { class: 'scan', 'data-id': e.id },
          el('h3', {}, `${e.technique.join(', ')} ${e.pattern} scan `, el('span', { class: `badge ${e.event === 'end' ? 'ended' : 'engaged'}` }, e.event === 'end' ? 'ended' : 'engaged'), el('small', {}, ` id ${e.id}`)),
          el('dl', {},
            ...kv('Tool', e.tool + (e.toolEvidence ? ` (${e.toolEvidence})` : '')),
            ...kv('Targets / ports', `${plural(e.targets, 'host')}, ${plural(e.ports, 'port')}`),
            ...kv('Probes', `${int(e.probes)} (${int(e.failures)} failed), detected after ${int(e.probesToDetect)}`),
            ...kv('Seen', `${time(e.firstSeen)} to ${time(e.lastSeen)} UTC`),
            ...kv('Sample ports', e.samplePorts.join(', ') || 'none'),
            ...kv('Sample hosts', e.sampleTargets.join(', ') || 'none'),
            // Fields added to scan events after this page was written, shown as they are.
            ...Object.keys(e).filter((k) => !SCAN_KEYS.has(k)).flatMap((k) => kv(k, typeof e[k] === 'string' ? e[k] : JSON.stringify(e[k]))),
          ),
          el('h4', {}, 'Detectors'),
          table(['Detector', 'Score', 'Threshold'], e.detectors.map((d) => [d.name, num(d.score), num(d.threshold)]), 'detectors'),
          el('h4', {}, 'Events' + (s.historyDropped ? ` (${s.historyDropped} older updates not kept)` : '')),
          table(['Time (UTC)', 'Event', 'Probes', 'Targets', 'Ports'], s.history.map((h) => [time(h.ts), h.event, int(h.probes), int(h.targets), int(h.ports)]), 'history'),
        );
      }),
    );
  }

  const SCAN_KEYS = new Set(['kind', 'ts', 'event', 'id', 'scanner', 'technique', 'pattern', 'tool', 'toolEvidence', 'targets', 'ports', 'probes', 'failures', 'probesToDetect', 'firstSeen', 'lastSeen', 'detectors', 'samplePorts', 'sampleTargets']);

  function table(head, rows, cls) {
    return el('table', { class: cls }, el('thead', {}, el('tr', {}, ...head.map((h) => el('th', {}, h)))), el('tbody', {}, ...rows.map((r) => el('tr', {}, ...r.map((c) => el('td', {}, c))))));
  }

  // ---- other records (kinds this page has no view for) -------------------
  function renderOther() {
    const rows = st.other.slice(-200).reverse();
    $('other').hidden = rows.length === 0;
    $('other-body').replaceChildren(
      ...rows.map((o) =>
        el('tr', { 'data-kind': o.kind }, el('td', {}, time(o.ts)), el('td', {}, o.kind),
          el('td', { class: 'fields' }, Object.entries(o.fields).filter(([k]) => k !== 'ts').map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join('  '))),
      ),
    );
  }

  // ---- health -----------------------------------------------------------
  function renderHealth() {
    const h = st.health;
    const cards = [];
    const card = (label, value, warn) => cards.push(el('div', { class: 'card' + (warn ? ' warn' : '') }, el('div', { class: 'v' }, value), el('div', { class: 'l' }, label)));
    if (h) {
      card('packets', int(h.packets));
      card('packets/s', h.rate === null ? '…' : int(Math.round(h.rate)));
      card('kernel drops', int(h.kernelDropped + h.interfaceDropped), h.kernelDropped + h.interfaceDropped > 0);
      for (const t of h.tables) card(`${t.label} table`, `${((100 * t.used) / Math.max(1, t.max)).toFixed(t.used && t.used < t.max / 100 ? 2 : 0)}%`, t.used >= t.max);
      for (const o of h.outputs) card(`${o.name} queue / dropped`, `${int(o.queued)} / ${int(o.dropped)}`, o.dropped > 0);
    }
    const d = st.dropped;
    if (d) card('view dropped (frames/scans)', `${int(d.frames)} / ${int(d.scans)}`, false);
    $('health').replaceChildren(...cards);
    if (h) $('counters-body').replaceChildren(...Object.entries(h.counters).filter(([, v]) => v !== 0).map(([k, v]) => el('tr', {}, el('td', {}, k), el('td', { class: 'n' }, int(v)))));
  }

  // ---- chart (uPlot) ----------------------------------------------------
  let plot = null;
  let plotMarks = '';
  function chartData() {
    const xs = st.frames.map((f) => f[0]);
    const data = [xs, st.frames.map((f) => f[1]), st.frames.map((f) => f[2])];
    for (const pts of Object.values(st.marks)) {
      // Step-align each baseline/threshold to the frame times: the latest value at or before each frame.
      let j = -1;
      data.push(xs.map((x) => {
        while (j + 1 < pts.length && pts[j + 1][0] <= x) j++;
        return j < 0 ? null : pts[j][1];
      }));
    }
    return data;
  }
  function renderChart() {
    const box = $('chart');
    box.setAttribute('data-frames', String(st.frames.length));
    $('chart-empty').hidden = st.frames.length > 0;
    const markKey = Object.keys(st.marks).join(',');
    const width = Math.max(300, box.clientWidth);
    if (!plot || markKey !== plotMarks) {
      if (plot) plot.destroy();
      plotMarks = markKey;
      const dashed = ['#2ca02c', '#d62728', '#9467bd', '#8c564b', '#17becf', '#7f7f7f', '#bcbd22', '#e377c2'];
      plot = new uPlot({
        width, height: 260,
        tzDate: (ts) => uPlot.tzDate(new Date(ts * 1e3), 'Etc/UTC'),
        // Peng's entropy is 0..2; small values get a closer scale (never above 2) so their shape shows.
        scales: { y: { range: (u, min, max) => [0, Math.min(2, Math.max(0.25, (max || 0) * 1.15))] } },
        axes: [
          { values: (u, splits) => {
            const span = splits.length > 1 ? splits[splits.length - 1] - splits[0] : 0;
            return splits.map((t) => clock(t, span > 86400));
          } },
          { label: 'entropy (Peng, 0..2)' },
        ],
        series: [
          { label: 'time (UTC)' },
          { label: 'CLIENT', stroke: '#1f77b4', width: 2, points: { show: false } },
          { label: 'SERVER', stroke: '#ff7f0e', width: 2, points: { show: false } },
          ...Object.keys(st.marks).map((k, i) => ({ label: k, stroke: dashed[i % dashed.length], dash: [6, 4], width: 1.5, points: { show: false } })),
        ],
      }, chartData(), box);
    } else {
      plot.setData(chartData());
      if (Math.abs(plot.width - width) > 4) plot.setSize({ width, height: 260 });
    }
  }

  // ---- page -------------------------------------------------------------
  function renderMeta() {
    const m = st.meta;
    if (!m) return;
    const source = m.source === '-' ? 'standard input' : m.source.split('/').pop();
    $('meta').textContent = `${m.sensor} watching ${source}`;
    $('meta').title = m.source;
    const s = $('status');
    const report = document.body.dataset.mode === 'report';
    s.textContent = report ? `report written ${time(m.generated)} UTC` : m.ended ? 'input ended: final state' : 'live';
    s.className = 'status ' + (m.ended || report ? 'ended' : 'live');
    $('frames-count').textContent = `${st.frames.length} frame${st.frames.length === 1 ? '' : 's'}` + (st.frames.length ? `, ${time(st.frames[0][0])} to ${time(st.frames[st.frames.length - 1][0])} UTC` : '');
  }
  function render(detail = true) {
    renderMeta();
    renderHealth();
    renderChart();
    renderInbox();
    if (detail) renderDetail();
    renderOther();
  }

  $('filter').addEventListener('input', (e) => {
    ui.filter = e.target.value.trim().toLowerCase();
    renderInbox();
  });
  for (const b of document.querySelectorAll('#status-filter button')) {
    b.addEventListener('click', () => {
      ui.status = b.dataset.status;
      for (const o of document.querySelectorAll('#status-filter button')) o.classList.toggle('on', o === b);
      renderInbox();
    });
  }
  window.addEventListener('resize', () => plot && renderChart());

  const embedded = $('peng-data');
  if (embedded) {
    apply(JSON.parse(embedded.textContent), true);
  } else {
    const es = new EventSource('events');
    es.addEventListener('snapshot', (m) => apply(JSON.parse(m.data), true));
    es.addEventListener('delta', (m) => apply(JSON.parse(m.data), false));
    es.addEventListener('error', () => {
      const s = $('status');
      s.textContent = 'disconnected: retrying';
      s.className = 'status down';
    });
  }
})();
