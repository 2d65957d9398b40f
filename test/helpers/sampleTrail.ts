/**
 * @module Sample CloudTrail delivery trees for tests: some days of the generated sample tenant
 * written as `.json.gz` files in the `AWSLogs/<account>/CloudTrail/<region>/…` layout, and a
 * bounded-parallel upload of objects to a bucket.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { writeTrailFiles } from '../../functions/adapters/fs/writeTrailFiles.js';
import { generateTenantMonth } from '../../functions/core/sample/generateTenantMonth.js';

interface SampleTrailOptions {
  /** Events generated for the whole month (October 2026); only `[from, to)` is kept. */
  readonly targetEvents: number;
  readonly from: string;
  readonly to: string;
}

interface TrailObject {
  readonly key: string;
  readonly body: Uint8Array;
  readonly metadata?: Readonly<Record<string, string>>;
}

/** Writes the days `[from, to)` of the sample month under `dir`; returns the log files, sorted by key. */
async function writeSampleTrail(dir: string, options: SampleTrailOptions): Promise<TrailObject[]> {
  const records = [...generateTenantMonth({ month: '2026-10', targetEvents: options.targetEvents })].filter(
    (r) => (r.eventTime as string) >= options.from && (r.eventTime as string) < options.to,
  );
  await writeTrailFiles(records, dir);
  const keys = (await readdir(dir, { recursive: true })).filter((k) => k.endsWith('.json.gz')).sort();
  return Promise.all(
    keys.map(async (key) => ({ key, body: new Uint8Array(await readFile(path.join(dir, key))) })),
  );
}

/** Uploads the objects, 16 at a time. */
async function putObjects(s3: S3Client, bucket: string, objects: readonly TrailObject[]): Promise<void> {
  for (let i = 0; i < objects.length; i += 16) {
    await Promise.all(
      objects.slice(i, i + 16).map((o) =>
        s3.send(
          new PutObjectCommand({
            Bucket: bucket,
            Key: o.key,
            Body: o.body,
            ...(o.metadata ? { Metadata: { ...o.metadata } } : {}),
          }),
        ),
      ),
    );
  }
}

export type { TrailObject };
export { putObjects, writeSampleTrail };
