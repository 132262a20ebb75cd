import { defineSink } from '../module.js';
import { str } from '../config/params.js';
import { counterList, type CounterTable } from '../stats/counters.js';
import { FrameCsvSink } from './csv.js';

export const CSV_COUNTERS = {
  rows: { name: 'csv.rows', kind: 'sum', help: 'Frame rows appended to the -export file.' },
} as const satisfies CounterTable;

/** Peng's -export CSV of frames. */
export const csvSinkModule = defineSink({
  name: 'csv',
  help: "Peng's CSV export of frames.",
  params: [
    { name: 'export', peng: true, type: 'string', help: "Append one CSV row per frame (time, client, server; no header, as Peng's -export) to this file, mode 0644." },
  ],
  counters: counterList(CSV_COUNTERS),
  create(ctx) {
    const path = str(ctx.params, 'export');
    if (path === undefined) return null;
    const sink = new FrameCsvSink(path, ctx.warn);
    ctx.stats.bind(CSV_COUNTERS, { rows: () => sink.rows });
    return sink;
  },
});
