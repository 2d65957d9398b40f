import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  MAX_RECORD_BYTES,
  splitRecords,
  WHOLE_PARSE_LIMIT,
} from '../../../functions/core/ingest/splitRecords.js';
import type { SplitItem } from '../../../functions/core/ingest/types.js';
import { stratusTechniques } from '../../helpers/corpus.js';

/** Feeds bytes in chunks of `size` so chunk boundaries fall inside strings, escapes and numbers. */
async function* chunked(data: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < data.length; i += size) yield data.subarray(i, i + size);
}

async function split(
  data: Uint8Array | string,
  options: { lines?: boolean; chunk?: number } = {},
): Promise<SplitItem[]> {
  const bytes = typeof data === 'string' ? Buffer.from(data) : data;
  const out: SplitItem[] = [];
  for await (const item of splitRecords(chunked(bytes, options.chunk ?? 1 << 20), { lines: options.lines }))
    out.push(item);
  return out;
}

const records = stratusTechniques().flatMap((t) => t.events);
const ids = (items: SplitItem[]) =>
  items.map((i) => (i.kind === 'record' ? (i.value as { eventID: string }).eventID : i.reason));

describe('splitRecords: shapes CloudTrail data comes in', () => {
  it('reads S3 delivery files {"Records":[...]}, plain and gzip', async () => {
    const text = JSON.stringify({ Records: records });
    const plain = await split(text);
    const gz = await split(gzipSync(text));
    expect(plain).toHaveLength(records.length);
    expect(ids(gz)).toEqual(records.map((r) => r.eventID));
    expect(plain.every((i) => i.kind === 'record')).toBe(true);
  });

  it('reads JSON arrays, JSON lines and concatenated objects', async () => {
    const some = records.slice(0, 20);
    expect(ids(await split(JSON.stringify(some)))).toEqual(some.map((r) => r.eventID));
    const lines = some.map((r) => JSON.stringify(r)).join('\n');
    expect(ids(await split(lines, { lines: true }))).toEqual(some.map((r) => r.eventID));
    // JSON lines without the .jsonl name still work: the scanner delimits top-level objects.
    expect(ids(await split(lines))).toEqual(some.map((r) => r.eventID));
    expect(ids(await split(some.map((r) => JSON.stringify(r)).join('')))).toEqual(some.map((r) => r.eventID));
  });

  it('reads LookupEvents output and leaves CloudTrailEvent unwrapping to normalisation', async () => {
    const page = {
      Events: records.slice(0, 3).map((r) => ({ EventId: r.eventID, CloudTrailEvent: JSON.stringify(r) })),
      NextToken: 'x',
    };
    const items = await split(JSON.stringify(page));
    expect(items).toHaveLength(3);
    expect(
      items.every(
        (i) =>
          i.kind === 'record' && typeof (i.value as { CloudTrailEvent: string }).CloudTrailEvent === 'string',
      ),
    ).toBe(true);
  });

  it('gives identical records whatever the chunk boundaries (streaming path)', async () => {
    // Force the streaming scanner by breaking the whole-document parse, then vary chunk sizes.
    const text = `${JSON.stringify({ Records: records })}\n{"Records": [`;
    const reference = ids(await split(text, { chunk: 1 << 20 }));
    for (const size of [1, 7, 64, 1000]) {
      expect(ids(await split(text, { chunk: size }))).toEqual(reference);
    }
    expect(reference.slice(0, records.length)).toEqual(records.map((r) => r.eventID));
  });

  it('handles escaped quotes and backslashes split across chunks', async () => {
    const tricky = { ...records[0], userAgent: 'a\\"b\\\\"c\\\\\\"}{][', eventID: 'tricky-1' };
    const text = `[${JSON.stringify(tricky)},${JSON.stringify({ ...tricky, eventID: 'tricky-2' })}] trailing`;
    for (const size of [1, 2, 3, 5]) {
      const items = await split(text, { chunk: size });
      expect(ids(items).slice(0, 2)).toEqual(['tricky-1', 'tricky-2']);
      expect(items[0]!.kind === 'record' && (items[0]!.value as { userAgent: string }).userAgent).toBe(
        tricky.userAgent,
      );
    }
  });

  it('streams inputs above the whole-parse limit with memory bounded by one record', async () => {
    const one = JSON.stringify(records[0]);
    const count = Math.ceil((WHOLE_PARSE_LIMIT * 1.2) / one.length);
    const parts = ['{"Records":['];
    for (let i = 0; i < count; i++)
      parts.push(`${i ? ',' : ''}${one.replace(records[0]!.eventID as string, `id-${i}`)}`);
    parts.push(']}');
    const items = await split(parts.join(''), { chunk: 256 * 1024 });
    expect(items).toHaveLength(count);
    const last = items.at(-1)!;
    expect(last.kind === 'record' && (last.value as { eventID: string }).eventID).toBe(`id-${count - 1}`);
  });
});

describe('splitRecords: bad input is counted, never dropped', () => {
  it('rejects an empty file as one record', async () => {
    const items = await split('');
    expect(items).toEqual([
      { kind: 'rejected', category: 'empty-file', reason: expect.stringContaining('empty'), position: {} },
    ]);
    expect((await split('  \n ')).map((i) => i.kind)).toEqual(['rejected']);
  });

  it('keeps good records around one with invalid JSON, naming its record and byte', async () => {
    const good = records.slice(0, 3).map((r) => JSON.stringify(r));
    const text = `{"Records":[${good[0]},{"eventID": tru},${good[1]},${good[2]}]}`;
    const items = await split(text);
    expect(items.map((i) => i.kind)).toEqual(['record', 'rejected', 'record', 'record']);
    const bad = items[1]!;
    expect(bad.kind === 'rejected' && bad.category).toBe('invalid-json');
    expect(bad.position).toEqual({ record: 2, byte: '{"Records":['.length + good[0]!.length + 1 });
  });

  it('recovers every complete record of a truncated gzip file and reports the rest once', async () => {
    const gz = gzipSync(JSON.stringify({ Records: records }));
    const items = await split(gz.subarray(0, Math.floor(gz.length * 0.6)));
    const rejected = items.filter((i) => i.kind === 'rejected');
    expect(rejected).toHaveLength(1);
    expect(rejected[0]!.kind === 'rejected' && rejected[0]!.category).toBe('corrupt-compression');
    expect(rejected[0]!.kind === 'rejected' && rejected[0]!.reason).toMatch(
      /gzip data is corrupt or truncated/,
    );
    const accepted = items.filter((i) => i.kind === 'record');
    expect(accepted.length).toBeGreaterThan(10);
    expect(ids(accepted)).toEqual(records.slice(0, accepted.length).map((r) => r.eventID));
    expect(rejected[0]!.position.record).toBe(accepted.length + 1);
  });

  it('reports a plain file cut inside a record as truncated', async () => {
    const text = JSON.stringify(records.slice(0, 4));
    const items = await split(text.slice(0, text.length - 40));
    expect(items.map((i) => i.kind)).toEqual(['record', 'record', 'record', 'rejected']);
    expect(items[3]!.kind === 'rejected' && items[3]!.category).toBe('truncated');
  });

  it('rejects JSON lines one line at a time with the line number', async () => {
    const text = [
      JSON.stringify(records[0]),
      '{"eventID": "x", broken',
      '',
      'not json at all',
      JSON.stringify(records[1]),
    ].join('\n');
    const items = await split(text, { lines: true });
    expect(items.map((i) => [i.kind, i.position.line])).toEqual([
      ['record', 1],
      ['rejected', 2],
      ['rejected', 4],
      ['record', 5],
    ]);
  });

  it('delimits non-object array elements so they can be rejected later', async () => {
    const items = await split(`[${JSON.stringify(records[0])}, 42, "text", null]`);
    expect(items.map((i) => (i.kind === 'record' ? typeof i.value : i.kind))).toEqual([
      'object',
      'number',
      'string',
      'object',
    ]);
    const streamed = await split(`[${JSON.stringify(records[0])}, 42, "te,xt", null] x`);
    expect(streamed.map((i) => (i.kind === 'record' ? JSON.stringify(i.value).slice(0, 6) : i.kind))).toEqual(
      ['{"awsR', '42', '"te,xt', 'null', 'rejected'],
    );
  });

  it('rejects text that is not JSON between records, once per run', async () => {
    const items = await split(`${JSON.stringify(records[0])}\ngarbage here\n${JSON.stringify(records[1])}`);
    expect(items.map((i) => i.kind)).toEqual(['record', 'rejected', 'record']);
  });

  it('gives up on a record that never ends rather than buffering the whole file', async () => {
    const huge = `[{"eventID":"a","x":[${'1,'.repeat(MAX_RECORD_BYTES / 2 + 10)}`;
    const items = await split(huge, { chunk: 1 << 20 });
    const last = items.at(-1)!;
    expect(last.kind === 'rejected' && last.category).toBe('oversized');
  });

  it('strips a UTF-8 byte order mark', async () => {
    const items = await split(
      Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(JSON.stringify(records[0]))]),
    );
    expect(items.map((i) => i.kind)).toEqual(['record']);
  });
});
