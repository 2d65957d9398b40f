import { describe, expect, it } from 'vitest';
import { LinkExpiryError } from '../../functions/core/share/errors.js';
import { linkLifetime, MAX_LINK_SECONDS, parseLinkExpiry } from '../../functions/core/share/linkExpiry.js';

const NOW = new Date('2026-11-30T06:00:00.000Z');

describe('Function: parseLinkExpiry', () => {
  it.each([
    ['7d', 604_800],
    ['12h', 43_200],
    ['30m', 1_800],
    ['90s', 90],
    ['1s', 1],
    [' 2d ', 172_800],
  ])('reads %j as %i seconds', (text, seconds) => {
    expect(parseLinkExpiry(text).seconds).toBe(seconds);
  });

  it('accepts exactly the SigV4 limit and refuses one second more, pointing at CloudFront', () => {
    expect(parseLinkExpiry('168h').seconds).toBe(MAX_LINK_SECONDS);
    expect(() => parseLinkExpiry('604801s')).toThrow(LinkExpiryError);
    expect(() => parseLinkExpiry('8d')).toThrow(
      /--expires: 8d is longer than 7d, the most a presigned S3 URL can live; .*CloudFront signed URLs/,
    );
  });

  it.each(['', '0d', '7', 'd', '1.5h', '-1h', '7 days', '7D', '1w', '01h', 'P7D'])(
    'refuses %j naming the field and the value',
    (text) => {
      expect(() => parseLinkExpiry(text, 'sharing.linkExpiry')).toThrow(
        `sharing.linkExpiry: expected a duration like 7d, 12h, 30m or 90s, got ${JSON.stringify(text)}`,
      );
    },
  );
});

describe('Function: linkLifetime', () => {
  const week = parseLinkExpiry('7d');

  it('keeps the requested lifetime for long-lived credentials', () => {
    const life = linkLifetime(week, { temporary: false, expiresAt: null }, NOW);
    expect(life).toEqual({
      requestedExpiresAt: new Date('2026-12-07T06:00:00.000Z'),
      effectiveExpiresAt: new Date('2026-12-07T06:00:00.000Z'),
      warning: null,
    });
  });

  it('says when session credentials expire before the links, and ends the links then', () => {
    const expiresAt = new Date('2026-11-30T07:00:00.000Z');
    const life = linkLifetime(week, { temporary: true, expiresAt }, NOW);
    expect(life.effectiveExpiresAt).toEqual(expiresAt);
    expect(life.warning).toBe(
      'requested 7d but the signing credentials expire at 2026-11-30T07:00:00.000Z; links stop working then — use CloudFront signed URLs with a key group for week-long links',
    );
  });

  it('is silent when session credentials outlive the links', () => {
    const life = linkLifetime(
      parseLinkExpiry('30m'),
      {
        temporary: true,
        expiresAt: new Date('2026-11-30T07:00:00.000Z'),
      },
      NOW,
    );
    expect(life.warning).toBeNull();
    expect(life.effectiveExpiresAt).toEqual(new Date('2026-11-30T06:30:00.000Z'));
  });

  it('warns about temporary credentials whose expiry is unknown', () => {
    const life = linkLifetime(week, { temporary: true, expiresAt: null }, NOW);
    expect(life.warning).toMatch(
      /^requested 7d but the signing credentials are temporary .* expiry is unknown/,
    );
  });
});
