import assert from 'node:assert/strict';
import { test } from 'node:test';
import { webAddress } from '../../../src/sink/web/module.js';
import { isLoopback } from '../../../src/sink/web/server.js';

test('--web addresses: a bare port binds loopback, not every address', () => {
  assert.deepEqual(webAddress(''), { host: '127.0.0.1', port: 8080 });
  assert.deepEqual(webAddress('9000'), { host: '127.0.0.1', port: 9000 });
  assert.deepEqual(webAddress(':9000'), { host: '127.0.0.1', port: 9000 });
  assert.deepEqual(webAddress('0.0.0.0:80'), { host: '0.0.0.0', port: 80 });
  assert.deepEqual(webAddress('[::1]:0'), { host: '::1', port: 0 });
  assert.throws(() => webAddress('127.0.0.1:99999'), /--web: "127\.0\.0\.1:99999" has no valid port/);
});

test('only loopback addresses go without a token', () => {
  for (const h of ['127.0.0.1', '127.8.9.10', '::1', 'localhost']) assert.ok(isLoopback(h), h);
  for (const h of ['0.0.0.0', '::', '10.0.0.1', '::ffff:127.0.0.1', 'example.com', '127.0.0.1.example.com']) assert.ok(!isLoopback(h), h);
});
