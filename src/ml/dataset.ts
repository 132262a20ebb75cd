import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { parse } from 'csv-parse/sync';
import { SensorError } from '../errors.js';
import { FEATURE_COUNT, FEATURE_NAMES } from '../sessions/session.js';

/** Labelled session rows as XGBoost takes them: row-major float32 features, float32 labels. */
export interface Dataset {
  x: Float32Array;
  y: Float32Array;
  rows: number;
  /** Per row: which file it came from, and the session's source address. */
  file: number[];
  src: string[];
  /** Rows skipped because their label was empty (unlabelled captures). */
  unlabelled: number;
}

/**
 * Read one or more `peng-ts sessions` CSVs, plain or gzipped (.gz), or
 * nmap-harvester's own (same columns; extra columns are ignored). Features in FEATURE_NAMES order;
 * `label` must be 0 or 1. A bad cell is one clear error naming file and line.
 */
export function readDatasets(paths: readonly string[], requireLabels = true): Dataset {
  const xs: number[] = [];
  const ys: number[] = [];
  const file: number[] = [];
  const src: string[] = [];
  let unlabelled = 0;
  paths.forEach((path, fi) => {
    let text: string;
    try {
      const raw = readFileSync(path);
      text = (path.endsWith('.gz') ? gunzipSync(raw) : raw).toString('utf8');
    } catch (e) {
      throw new SensorError('FILE_OPEN', `cannot read dataset ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    const records = parse(text, { columns: true, skip_empty_lines: true, relax_column_count: false }) as Record<string, string>[];
    const missing = [...FEATURE_NAMES, 'label'].filter((c) => records.length > 0 && !(c in records[0]));
    if (missing.length > 0) {
      throw new SensorError('DATASET_INVALID', `${path}: no column ${missing.join(', ')} (write datasets with peng-ts sessions)`);
    }
    records.forEach((r, i) => {
      const label = (r.label ?? '').trim();
      if (label === '') {
        unlabelled++;
        if (requireLabels) return;
      } else if (label !== '0' && label !== '1') {
        throw new SensorError('DATASET_INVALID', `${path} line ${i + 2}: label "${label}" is not 0 or 1`);
      }
      for (let k = 0; k < FEATURE_COUNT; k++) {
        const v = Number(r[FEATURE_NAMES[k]]);
        if (!Number.isFinite(v)) throw new SensorError('DATASET_INVALID', `${path} line ${i + 2}: ${FEATURE_NAMES[k]} "${r[FEATURE_NAMES[k]]}" is not a number`);
        xs.push(v);
      }
      ys.push(label === '' ? -1 : Number(label));
      file.push(fi);
      src.push(r.src_ip ?? '');
    });
  });
  return { x: Float32Array.from(xs), y: Float32Array.from(ys), rows: ys.length, file, src, unlabelled };
}

/** The rows of `d` for which `keep(i)` holds, as a new dataset. */
export function subset(d: Dataset, keep: (i: number) => boolean): Dataset {
  const idx: number[] = [];
  for (let i = 0; i < d.rows; i++) if (keep(i)) idx.push(i);
  const x = new Float32Array(idx.length * FEATURE_COUNT);
  const y = new Float32Array(idx.length);
  idx.forEach((r, j) => {
    x.set(d.x.subarray(r * FEATURE_COUNT, (r + 1) * FEATURE_COUNT), j * FEATURE_COUNT);
    y[j] = d.y[r];
  });
  return { x, y, rows: idx.length, file: idx.map((r) => d.file[r]), src: idx.map((r) => d.src[r]), unlabelled: 0 };
}
