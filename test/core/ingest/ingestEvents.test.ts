import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { localSources } from '../../../functions/adapters/fs/localSources.js';
import { InputLedger } from '../../../functions/core/ingest/InputLedger.js';
import { ingestEvents } from '../../../functions/core/ingest/ingestEvents.js';
import { stratusTechniques } from '../../helpers/corpus.js';

const events = stratusTechniques().flatMap((t) => t.events);
let dir: string;

async function readAll(paths: string[], window?: { startMs: number; endMs: number; label: string }) {
  const ledger = new InputLedger();
  const ids: string[] = [];
  await ingestEvents(localSources(paths, ledger), { ledger, window }, (e) => {
    ids.push(e.eventId);
  });
  return { ids, summary: ledger.summary(), objects: ledger.inputObjects() };
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'trailproof-ingest-'));
  const tree = path.join(dir, 'AWSLogs/111122223333/CloudTrail/eu-west-1/2024/08/01');
  await mkdir(tree, { recursive: true });
  await mkdir(path.join(dir, 'AWSLogs/111122223333/CloudTrail-Digest/eu-west-1/2024/08/01'), {
    recursive: true,
  });
  await writeFile(path.join(tree, 'a.json.gz'), gzipSync(JSON.stringify({ Records: events.slice(0, 60) })));
  // The same events again (an org trail and an account trail both delivering): duplicates.
  await writeFile(path.join(tree, 'b.json.gz'), gzipSync(JSON.stringify({ Records: events.slice(50, 100) })));
  await writeFile(path.join(dir, 'loose.json'), JSON.stringify(events.slice(100, 120)));
  await writeFile(
    path.join(dir, 'lines.jsonl'),
    `${events
      .slice(120, 130)
      .map((e) => JSON.stringify(e))
      .join('\n')}\n{"bad json\n`,
  );
  await writeFile(path.join(dir, 'empty.json'), '');
  const gz = gzipSync(JSON.stringify({ Records: events.slice(130) }));
  await writeFile(path.join(dir, 'truncated.json.gz'), gz.subarray(0, gz.length - 50));
  await writeFile(
    path.join(dir, 'AWSLogs/111122223333/CloudTrail-Digest/eu-west-1/2024/08/01/d.json.gz'),
    gzipSync('{}'),
  );
  await writeFile(path.join(dir, 'notes.txt'), 'not a log');
  await writeFile(
    path.join(dir, 'other.json'),
    JSON.stringify({ Records: [{ hello: 'world' }, { ...events[0], eventID: undefined }] }),
  );
});

describe('ingestEvents over a directory tree', () => {
  it('accounts for every record: records = accepted + duplicates + rejected', async () => {
    const { ids, summary } = await readAll([dir]);
    expect(summary.records).toBe(summary.accepted + summary.duplicates + summary.rejected);
    expect(summary.duplicates).toBe(10);
    expect(ids).toHaveLength(summary.accepted);
    expect(new Set(ids).size).toBe(ids.length);
    expect(summary.rejectionsByCategory).toMatchObject({
      'corrupt-compression': 1,
      'empty-file': 1,
      'invalid-json': 1,
      'not-cloudtrail': 1,
      'missing-field': 1,
    });
    expect(summary.skipped.map((s) => s.reason)).toEqual(
      expect.arrayContaining([expect.stringContaining('digest'), expect.stringContaining('not a .json')]),
    );
    // Every record before the truncation point of the gzip file is recovered.
    expect(summary.accepted).toBeGreaterThan(130);
    for (const r of summary.rejections) {
      expect(r.source).toBeTruthy();
      expect(r.position).toBeTruthy();
      expect(r.reason).toBeTruthy();
    }
  });

  it('is deterministic: the same tree gives the same events in the same order', async () => {
    const a = await readAll([dir]);
    const b = await readAll([dir]);
    expect(a.ids).toEqual(b.ids);
    expect(a.summary).toEqual(b.summary);
  });

  it('counts events outside the period as rejected with the reason', async () => {
    const window = { startMs: Date.UTC(2024, 7, 1), endMs: Date.UTC(2024, 8, 1), label: '2024-08' };
    const { ids, summary } = await readAll([dir], window);
    expect(summary.rejectionsByCategory['outside-period']).toBeGreaterThan(0);
    expect(summary.records).toBe(summary.accepted + summary.duplicates + summary.rejected);
    expect(ids.length).toBe(summary.accepted);
  });

  it('records a missing path as an unreadable source and carries on', async () => {
    const { summary } = await readAll([path.join(dir, 'nope'), path.join(dir, 'loose.json')]);
    expect(summary.rejectionsByCategory['unreadable-source']).toBe(1);
    expect(summary.accepted).toBe(20);
  });

  it('lists every object read with its size, SHA-256 of the stored bytes and record count', async () => {
    const { objects, summary } = await readAll([dir]);
    expect(objects).toHaveLength(summary.sources);
    // Sources are named as the operator would write them (relative when under the working directory).
    const byName = new Map(
      objects.map((o) => [path.relative(dir, o.name), { ...o, name: path.resolve(o.name) }]),
    );
    const a = 'AWSLogs/111122223333/CloudTrail/eu-west-1/2024/08/01/a.json.gz';
    const stored = await readFile(path.join(dir, a));
    expect(byName.get(a)).toEqual({
      name: path.join(dir, a),
      bytes: stored.length,
      sha256: sha256(stored),
      records: 60,
    });
    expect(byName.get('lines.jsonl')?.records).toBe(11);
    expect(byName.get('empty.json')).toMatchObject({
      bytes: 0,
      records: 1,
      sha256: sha256(new Uint8Array()),
    });
    expect(objects.reduce((n, o) => n + o.records, 0)).toBe(summary.records);
    expect(objects.reduce((n, o) => n + o.bytes, 0)).toBe(summary.bytes);
  });

  it('hashes objects too large to read whole while streaming them', async () => {
    const big = path.join(dir, '..', `${path.basename(dir)}-big.json`);
    const padded = events.map((e) => ({ ...e, padding: 'x'.repeat(90_000) }));
    const bytes = Buffer.from(JSON.stringify({ Records: padded }));
    expect(bytes.length).toBeGreaterThan(8 * 1024 * 1024);
    await writeFile(big, bytes);
    const { objects, summary } = await readAll([big]);
    expect(objects.map((o) => ({ ...o, name: path.resolve(o.name) }))).toEqual([
      { name: big, bytes: bytes.length, sha256: sha256(bytes), records: events.length },
    ]);
    expect(summary.accepted).toBe(events.length);
  });

  it('keeps an object that failed to read in the list, with no hash', async () => {
    const ledger = new InputLedger();
    const failing = (name: string) => ({
      name,
      open: () => {
        throw new Error('access denied');
      },
      readAll: () => Promise.reject(new Error('access denied')),
    });
    const midway = {
      name: 'midway.json',
      async *open() {
        yield Buffer.from('{"Records": [');
        throw new Error('connection reset');
      },
    };
    await ingestEvents([failing('denied.json'), midway], { ledger }, () => {});
    expect(ledger.inputObjects()).toEqual([
      { name: 'denied.json', bytes: 0, sha256: null, records: 0 },
      { name: 'midway.json', bytes: 13, sha256: null, records: 1 },
    ]);
    expect(ledger.summary().rejectionsByCategory['unreadable-source']).toBe(2);
  });
});
