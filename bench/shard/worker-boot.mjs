// Node 20 resolves a worker's entry before the --import tsx hooks apply to it:
// register tsx in the worker itself, then load the TypeScript entry.
import { register } from 'tsx/esm/api';

register();
await import('./worker.ts');
