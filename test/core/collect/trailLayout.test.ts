import { describe, expect, it } from 'vitest';
import {
  dayPrefixes,
  deliveryDays,
  parseTrailKey,
  regionsPrefix,
} from '../../../functions/core/collect/trailLayout.js';

describe('trail layout', () => {
  it('names the day prefixes of a period in both layouts, with a bucket prefix, plus the day after', () => {
    const window = { startMs: Date.UTC(2026, 9, 30), endMs: Date.UTC(2026, 10, 1) };
    expect(deliveryDays(window)).toEqual(['2026-10-30', '2026-10-31', '2026-11-01']);
    const org = dayPrefixes(
      { bucket: 'b', prefix: '/org-logs/', organizationId: 'o-abcdef1234', account: '111122223333' },
      ['us-east-1', 'eu-west-1'],
      window,
    );
    expect(org.map((p) => p.prefix)).toEqual([
      'org-logs/AWSLogs/o-abcdef1234/111122223333/CloudTrail/eu-west-1/2026/10/30/',
      'org-logs/AWSLogs/o-abcdef1234/111122223333/CloudTrail/eu-west-1/2026/10/31/',
      'org-logs/AWSLogs/o-abcdef1234/111122223333/CloudTrail/eu-west-1/2026/11/01/',
      'org-logs/AWSLogs/o-abcdef1234/111122223333/CloudTrail/us-east-1/2026/10/30/',
      'org-logs/AWSLogs/o-abcdef1234/111122223333/CloudTrail/us-east-1/2026/10/31/',
      'org-logs/AWSLogs/o-abcdef1234/111122223333/CloudTrail/us-east-1/2026/11/01/',
    ]);
    expect(regionsPrefix({ bucket: 'b', account: '111122223333' }, 'CloudTrail-Digest')).toBe(
      'AWSLogs/111122223333/CloudTrail-Digest/',
    );
  });

  it('reads account, region and day from log and digest keys, and nothing from other keys', () => {
    expect(
      parseTrailKey(
        'logs/AWSLogs/o-abcdef1234/111122223333/CloudTrail/eu-west-1/2026/10/05/111122223333_CloudTrail_eu-west-1_20261005T1210Z_AbCd.json.gz',
      ),
    ).toEqual({
      organizationId: 'o-abcdef1234',
      account: '111122223333',
      kind: 'CloudTrail',
      region: 'eu-west-1',
      day: '2026-10-05',
      file: '111122223333_CloudTrail_eu-west-1_20261005T1210Z_AbCd.json.gz',
    });
    expect(
      parseTrailKey(
        'AWSLogs/111122223333/CloudTrail-Digest/us-east-1/2026/10/05/111122223333_CloudTrail-Digest_us-east-1_t_us-east-1_20261005T120000Z.json.gz',
      )?.kind,
    ).toBe('CloudTrail-Digest');
    expect(parseTrailKey('AWSLogs/111122223333/Config/us-east-1/2026/10/05/x.json.gz')).toBeNull();
    expect(parseTrailKey('notes.txt')).toBeNull();
  });
});
