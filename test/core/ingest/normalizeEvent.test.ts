import { describe, expect, it } from 'vitest';
import {
  isRejection,
  normalizeEvent,
  parseEventTime,
} from '../../../functions/core/ingest/normalizeEvent.js';
import { awsDocsEvents, pantherTests, stratusTechniques } from '../../helpers/corpus.js';

const base = stratusTechniques()[0]!.events[0]!;

function rejection(value: unknown) {
  const result = normalizeEvent(value);
  if (!isRejection(result)) throw new Error('expected a rejection');
  return result;
}

describe('normalizeEvent', () => {
  it('accepts every Stratus detonation record, including fake region names', () => {
    const events = stratusTechniques().flatMap((t) => t.events);
    const results = events.map(normalizeEvent);
    expect(results.filter(isRejection)).toEqual([]);
    expect(
      results.some(
        (r) => (!isRejection(r) && r.region === 'us-north-2r') || (!isRejection(r) && /\dr$/.test(r.region)),
      ),
    ).toBe(true);
  });

  it('flattens userIdentity, session context and credential fields', () => {
    const assumed = awsDocsEvents().find((d) => d.event.eventName === 'DeleteBucket')!.event;
    const e = normalizeEvent(assumed);
    if (isRejection(e)) throw new Error(e.reason);
    expect(e.identity.type).toBe('AssumedRole');
    expect(e.identity.sessionIssuer?.type).toBe('Role');
    expect(e.identity.sessionIssuer?.arn).toMatch(/^arn:aws:iam::\d{12}:role\//);
    expect(e.account).toMatch(/^\d{12}$/);
  });

  it('tolerates a missing userIdentity, unknown fields and Panther p_* enrichments', () => {
    const noIdentity = {
      ...base,
      userIdentity: undefined,
      p_log_type: 'AWS.CloudTrail',
      brandNewField: { x: 1 },
    };
    const e = normalizeEvent(noIdentity);
    expect(isRejection(e)).toBe(false);
    const panther = pantherTests().filter((t) => Object.keys(t.event).some((k) => k.startsWith('p_')));
    expect(panther.length).toBeGreaterThan(50);
    const accepted = panther.map((t) => normalizeEvent(t.event)).filter((r) => !isRejection(r));
    expect(accepted.length).toBeGreaterThan(panther.length * 0.9);
  });

  it('splits several addresses in sourceIPAddress', () => {
    const e = normalizeEvent({ ...base, sourceIPAddress: '203.0.113.7, 10.0.0.1' });
    expect(!isRejection(e) && e.sourceIps).toEqual(['203.0.113.7', '10.0.0.1']);
  });

  it('unwraps LookupEvents items whose CloudTrailEvent is a JSON string', () => {
    const e = normalizeEvent({ EventId: base.eventID, CloudTrailEvent: JSON.stringify(base) });
    expect(!isRejection(e) && e.eventId).toBe(base.eventID);
    expect(rejection({ EventId: 'x', CloudTrailEvent: '{"broken' }).category).toBe('invalid-json');
  });

  it.each([
    ['a non-object', 42, 'not-cloudtrail', /not a JSON object/],
    ['an array', [base], 'not-cloudtrail', /an array/],
    ['a non-CloudTrail object', { foo: 1, bar: 2 }, 'not-cloudtrail', /keys: foo, bar/],
    ['a missing eventID', { ...base, eventID: undefined }, 'missing-field', /missing eventID/],
    ['a numeric eventID', { ...base, eventID: 12 }, 'wrong-type', /eventID must be a string, got a number/],
    ['a missing eventTime', { ...base, eventTime: undefined }, 'missing-field', /missing eventTime/],
    ['a redacted eventTime', { ...base, eventTime: '...redacted' }, 'bad-timestamp', /is not a timestamp/],
    [
      'an impossible eventTime',
      { ...base, eventTime: '2026-02-30T25:00:00Z' },
      'bad-timestamp',
      /is not a timestamp/,
    ],
    [
      'a string userIdentity',
      { ...base, userIdentity: 'root' },
      'wrong-type',
      /userIdentity must be an object, got a string/,
    ],
    ['a numeric awsRegion', { ...base, awsRegion: 1 }, 'wrong-type', /awsRegion must be a string/],
    [
      'an array requestParameters',
      { ...base, requestParameters: [1] },
      'wrong-type',
      /requestParameters must be an object/,
    ],
    ['a missing eventSource', { ...base, eventSource: undefined }, 'missing-field', /missing eventSource/],
  ])('rejects %s with a reason', (_name, value, category, reason) => {
    const r = rejection(value);
    expect(r.category).toBe(category);
    expect(r.reason).toMatch(reason);
  });

  it('normalises the time formats found in real exports to UTC', () => {
    expect(parseEventTime('2026-11-03T10:15:00Z')).toEqual({
      iso: '2026-11-03T10:15:00Z',
      ms: Date.UTC(2026, 10, 3, 10, 15),
    });
    expect(parseEventTime('2025-01-21 17:39:10.000000000')?.iso).toBe('2025-01-21T17:39:10.000Z');
    expect(parseEventTime('2026-11-03T12:15:00+02:00')?.iso).toBe('2026-11-03T10:15:00Z');
    expect(parseEventTime('yesterday')).toBeUndefined();
  });
});
