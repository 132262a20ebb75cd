/**
 * The cache's <slug>.json next to each <slug>.pcap: written by
 * test/scenarios/record-bench-cache.ts (root, the namespace lab), read by
 * bench/detect/detection.bench.ts. One declaration for both sides.
 */
export interface BenchMeta {
  slug: string;
  command: string;
  recordedAt: string;
  packets: number;
  scanner: string;
  technique: string;
  pattern: string;
  tool: string | null;
  benign: string[];
  victims: string[];
  localNets: string;
}
