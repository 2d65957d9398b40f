// Worker threads on Node 20 do not inherit the TypeScript loader of the main thread, so the
// worker registers tsx itself before loading the TypeScript worker module.
import { register } from 'tsx/esm/api';

register();
await import('./analyzeShardWorker.ts');
