import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { readDatasets } from '../../src/ml/dataset.js';

// nmap-harvester's README example row, verbatim (its src_ip/dst_ip cells are quoted lists).
const HARVESTER = `start_request_time,end_request_time,start_response_time,end_response_time,duration,src_ip,dst_ip,src_port,dst_port,SYN,ACK,FIN,RST,URG,PSH,label
2025-01-08 13:52:55.274814,2025-01-08 13:52:55.274814,2025-01-08 13:52:55.274874,2025-01-08 13:52:55.274874,6e-05,"['172.31.0.1', '172.31.0.2']","['172.31.0.1', '172.31.0.2']","['44031', '3306']","['44031', '3306']",1,1,0,1,0,0,1
`;

function withFiles(files: Record<string, string | Buffer>, fn: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'peng-ds-'));
  try {
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('nmap-harvester\'s own CSV rows read as training rows (features in its order)', () => {
  withFiles({ 'h.csv': HARVESTER, 'h.csv.gz': gzipSync(HARVESTER) }, (dir) => {
    for (const f of ['h.csv', 'h.csv.gz']) {
      const d = readDatasets([join(dir, f)]);
      assert.equal(d.rows, 1);
      assert.deepEqual([...d.x].map((v) => Math.round(v * 1e6) / 1e6), [0.00006, 1, 1, 0, 1, 0, 0]);
      assert.deepEqual([...d.y], [1]);
    }
  });
});

test('a bad cell names file and line; unlabelled rows are skipped and counted', () => {
  const header = HARVESTER.split('\n')[0];
  withFiles(
    {
      'bad.csv': `${header}\nx,x,,,0.1,a,b,1,2,1,0,0,0,0,0,1\nx,x,,,zz,a,b,1,2,1,0,0,0,0,0,1\n`,
      'label.csv': `${header}\nx,x,,,0.1,a,b,1,2,1,0,0,0,0,0,2\n`,
      'none.csv': `${header}\nx,x,,,0.1,a,b,1,2,1,0,0,0,0,0,\nx,x,,,0.2,a,b,1,2,1,0,0,0,0,0,0\n`,
      'cols.csv': 'duration,SYN\n1,2\n',
    },
    (dir) => {
      assert.throws(() => readDatasets([join(dir, 'bad.csv')]), /bad\.csv line 3: duration "zz" is not a number/);
      assert.throws(() => readDatasets([join(dir, 'label.csv')]), /line 2: label "2" is not 0 or 1/);
      assert.throws(() => readDatasets([join(dir, 'cols.csv')]), /no column ACK, FIN, RST, URG, PSH, label/);
      const d = readDatasets([join(dir, 'none.csv')]);
      assert.equal(d.rows, 1);
      assert.equal(d.unlabelled, 1);
    },
  );
});
