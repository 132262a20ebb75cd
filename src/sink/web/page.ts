import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { WebSnapshot } from './state.js';

/**
 * The page, one HTML text with everything inlined: uPlot (read from
 * node_modules/uplot, a runtime dependency, so nothing is downloaded or
 * fetched from a CDN at run time), our script and styles. The live page
 * reads /events; the report carries its data in a JSON script element and
 * a Content-Security-Policy that forbids any network access.
 */
interface Assets {
  uplotJs: string;
  uplotCss: string;
  appJs: string;
  appCss: string;
}

let cached: Assets | null = null;

/** Our assets sit next to this file in src/; from dist/ they are found back in src/ (shipped in the package). */
function assetDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  for (const d of [join(here, 'assets'), join(here, '../../../../src/sink/web/assets')]) {
    if (existsSync(join(d, 'app.js'))) return d;
  }
  throw new Error(`internal: web assets not found next to ${here}`);
}

export function loadAssets(): Assets {
  if (cached) return cached;
  const require = createRequire(import.meta.url);
  const dir = assetDir();
  cached = {
    uplotJs: readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8'),
    uplotCss: readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8'),
    appJs: readFileSync(join(dir, 'app.js'), 'utf8'),
    appCss: readFileSync(join(dir, 'app.css'), 'utf8'),
  };
  return cached;
}

const hash = (s: string) => `'sha256-${createHash('sha256').update(s, 'utf8').digest('base64')}'`;

/** `</script` inside inlined code or JSON would end the element early. */
const safeScript = (s: string) => s.replace(/<\/(script)/gi, '<\\/$1');
const safeJson = (s: string) => s.replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
const text = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export function buildPage(mode: 'live' | 'report', data: WebSnapshot | null, title: string): string {
  const a = loadAssets();
  const uplotJs = safeScript(a.uplotJs);
  const appJs = safeScript(a.appJs);
  // Only our two scripts may run; the report may not connect anywhere.
  const connect = mode === 'live' ? "'self'" : "'none'";
  const csp = `default-src 'none'; script-src ${hash(uplotJs)} ${hash(appJs)}; style-src 'unsafe-inline'; img-src data:; connect-src ${connect}; base-uri 'none'; form-action 'none'`;
  const dataEl = data ? `<script id="peng-data" type="application/json">${safeJson(JSON.stringify(data))}</script>\n` : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${text(title)}</title>
<style>${a.uplotCss}</style>
<style>${a.appCss}</style>
</head>
<body data-mode="${mode}">
<header><h1>peng-ts</h1><span id="meta"></span><span id="status" class="status">connecting</span></header>
<main>
<section><div id="health" class="cards"></div></section>
<section><h2>Entropy per frame <small id="frames-count"></small></h2><div id="chart"></div><p id="chart-empty" class="empty">No frame closed yet.</p></section>
<section id="scans">
<h2>Scans <span id="inbox-count"></span></h2>
<div class="toolbar"><input id="filter" type="search" placeholder="Filter: address, technique, tool, port…" aria-label="filter scans">
<span id="status-filter"><button data-status="all" class="on">All</button><button data-status="engaged">Engaged</button><button data-status="ended">Ended</button></span></div>
<table id="inbox"><thead><tr id="inbox-head"></tr></thead><tbody id="inbox-body"></tbody></table>
<p id="inbox-empty" class="empty">No scan.</p>
</section>
<section id="detail" hidden><h2 id="detail-title"></h2><div id="detail-body"></div></section>
<section id="other" hidden><h2>Other events</h2><table><thead><tr><th>Time (UTC)</th><th>Kind</th><th>Fields</th></tr></thead><tbody id="other-body"></tbody></table></section>
<section><details id="counters"><summary>All counters (non-zero)</summary><table><tbody id="counters-body"></tbody></table></details></section>
</main>
${dataEl}<script>${uplotJs}</script>
<script>${appJs}</script>
</body>
</html>
`;
}
