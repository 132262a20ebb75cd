import type { Template } from './nf-template.js';

/**
 * The v9/IPFIX templates the decoder keeps, per exporter session (address and
 * port: the UDP "transport session", and version) and per observation domain /
 * source id, as RFC 7011 and RFC 3954 scope them, with every cap: sessions
 * (the oldest forgotten), templates over all and per exporter, domains per
 * exporter, and the bytes all of them take (estimated). Refusals are counted
 * and reported through `problem`.
 */

export interface SessionLimits {
  /** Templates kept over all exporters; new ones beyond are refused (counted). */
  readonly maxTemplates: number;
  /** Exporter sessions kept; the oldest is forgotten beyond this. */
  readonly maxExporters: number;
  /** Templates one exporter session may keep; its new ones beyond are refused (absent: 512). */
  readonly maxTemplatesPerExporter?: number;
  /** Observation domains (source ids) one exporter session may use; beyond, its datagrams are skipped (absent: 64). */
  readonly maxDomainsPerExporter?: number;
  /** Bytes all templates and domains may take together; beyond, new ones are refused (absent: 64 MiB). */
  readonly maxBytes?: number;
}

export class Domain {
  readonly templates = new Map<number, Template>();
  /** IPFIX systemInitTimeMilliseconds, from options records. */
  sysInitMs = NaN;
  /** Last sequence number (v5: flows, v9: datagrams, IPFIX: data records), -1 before the first. */
  lastSeq = -1;
  /** Flows / records in that datagram. */
  lastCount = 0;
}

class Session {
  readonly domains = new Map<number, Domain>();
  /** Templates over its domains, and the bytes they and the domains take (estimated, see templateBytes). */
  templates = 0;
  bytes = 0;
}

/**
 * What a kept template costs, estimated: its two typed arrays (1 + 2 bytes a
 * field) plus object and Map-entry overhead. Measured: 9,034 templates of
 * 16,000 fields took 561 MB of heap (62 KB each, the compile's temporary
 * arrays included), so the per-field cost here is 4 bytes to stay on the
 * safe side of what is kept.
 */
export function templateBytes(t: Template): number {
  return 200 + 4 * t.kinds.length;
}

/** A Domain with its Map, counters and session Map entry: 1.26M domains took 503 MB (~400 B each). */
export const DOMAIN_BYTES = 400;

export class TemplateSessions {
  private readonly sessions = new Map<string, Session>();
  /** The session of the datagram being decoded (set by domain()). */
  private session: Session | null = null;

  // counters
  templatesReceived = 0;
  templatesWithdrawn = 0;
  templatesRefused = 0;
  /** Of templatesRefused: the exporter had its --netflow-exporter-templates already. */
  templatesRefusedExporter = 0;
  /** Of templatesRefused: --netflow-memory was used up. */
  templatesRefusedMemory = 0;
  domainsRefused = 0;
  templateCount = 0;
  /** Bytes of templates and domains kept now (estimated). */
  bytesKept = 0;
  fieldsIgnored = 0;

  constructor(
    private readonly o: SessionLimits,
    private readonly problem: (reason: string, what: string) => void,
  ) {}

  get exporters(): number {
    return this.sessions.size;
  }

  /** The exporter's domain `id` (version 5, 9 or 10), made if new; null when refused (the datagram is then skipped, counted). */
  domain(version: number, exporter: string, id: number): Domain | null {
    const key = version === 9 ? `9 ${exporter}` : version === 10 ? `x ${exporter}` : `5 ${exporter}`;
    let s = this.sessions.get(key);
    if (s === undefined) {
      if (this.sessions.size >= this.o.maxExporters) {
        // Forget the oldest exporter session (Map keeps insertion order).
        const oldest = this.sessions.keys().next().value as string;
        const gone = this.sessions.get(oldest)!;
        this.templateCount -= gone.templates;
        this.bytesKept -= gone.bytes;
        this.sessions.delete(oldest);
      }
      s = new Session();
      this.sessions.set(key, s);
    }
    this.session = s;
    let d = s.domains.get(id);
    if (d === undefined) {
      let refused = '';
      if (s.domains.size >= (this.o.maxDomainsPerExporter ?? 64)) refused = `${s.domains.size} observation domains for this exporter already (--netflow-exporter-domains)`;
      else if (this.bytesKept + DOMAIN_BYTES > (this.o.maxBytes ?? 64 << 20)) refused = `templates and domains take ${Math.round(this.bytesKept / 1024)} KiB already (--netflow-memory)`;
      if (refused !== '') {
        this.domainsRefused++;
        this.problem('domains_refused', `observation domain ${id} refused, its datagram skipped: ${refused}`);
        return null;
      }
      d = new Domain();
      s.domains.set(id, d);
      s.bytes += DOMAIN_BYTES;
      this.bytesKept += DOMAIN_BYTES;
    }
    return d;
  }

  /** Keep template `tid` of domain `d` (of the current session), unless a cap refuses it. */
  add(d: Domain, t: Template, tid: number): void {
    this.templatesReceived++;
    this.fieldsIgnored += t.ignored;
    const s = this.session!;
    const old = d.templates.get(tid);
    const grow = templateBytes(t) - (old === undefined ? 0 : templateBytes(old));
    // Each exporter has its own cap, so one announcing 30,000 ids cannot lock the others out.
    let refused = '';
    if (old === undefined && s.templates >= (this.o.maxTemplatesPerExporter ?? 512)) {
      this.templatesRefusedExporter++;
      refused = `${s.templates} templates kept for this exporter already (--netflow-exporter-templates)`;
    } else if (old === undefined && this.templateCount >= this.o.maxTemplates) {
      refused = `${this.templateCount} templates kept already (--netflow-max-templates)`;
    } else if (grow > 0 && this.bytesKept + grow > (this.o.maxBytes ?? 64 << 20)) {
      this.templatesRefusedMemory++;
      refused = `templates and domains take ${Math.round(this.bytesKept / 1024)} KiB already (--netflow-memory)`;
    }
    if (refused !== '') {
      this.templatesRefused++;
      this.problem('templates_refused', `template ${tid} (${t.kinds.length} fields) refused: ${refused}`);
      return;
    }
    if (old === undefined) {
      this.templateCount++;
      s.templates++;
    }
    this.bytesKept += grow;
    s.bytes += grow;
    d.templates.set(tid, t);
  }

  /** Drop template `tid` (a broken redefinition must not leave the old layout in force); false when there was none. */
  drop(d: Domain, tid: number): boolean {
    const t = d.templates.get(tid);
    if (t === undefined) return false;
    d.templates.delete(tid);
    this.forget(t);
    return true;
  }

  /** IPFIX withdrawal: one template, or all of them (id 2 / 3). */
  withdraw(d: Domain, tid: number): void {
    if (tid === 2 || tid === 3) {
      this.templatesWithdrawn += d.templates.size;
      for (const t of d.templates.values()) this.forget(t);
      d.templates.clear();
    } else if (this.drop(d, tid)) this.templatesWithdrawn++;
  }

  /** A template leaves the current session. */
  private forget(t: Template): void {
    const bytes = templateBytes(t);
    this.templateCount--;
    this.bytesKept -= bytes;
    const s = this.session!;
    s.templates--;
    s.bytes -= bytes;
  }
}
