import { describe, expect, it } from 'vitest';
import { ShareScopeError } from '../../functions/core/share/errors.js';
import {
  artifactKey,
  contentTypeOf,
  downloadFileName,
  reportPlaceOf,
  reportPrefix,
  tenantPrefix,
} from '../../functions/core/share/reportKeys.js';

describe('Function: reportPrefix', () => {
  it('builds <root>/<tenant>/<period>/ from clean parts', () => {
    expect(reportPrefix({ root: '', tenantId: 'acme', period: '2026-10' })).toBe('acme/2026-10/');
    expect(reportPrefix({ root: '/reports/eu/', tenantId: 'acme', period: '2026-10-05' })).toBe(
      'reports/eu/acme/2026-10-05/',
    );
    expect(tenantPrefix('reports', 'acme')).toBe('reports/acme/');
  });

  it.each([
    { root: '', tenantId: 'acme', period: '..' },
    { root: '', tenantId: 'acme', period: '../globex' },
    { root: '', tenantId: 'acme', period: '2026-10/../../globex/2026-10' },
    { root: '', tenantId: 'acme', period: '.hidden' },
    { root: '', tenantId: 'acme', period: '2026..10' },
    { root: '', tenantId: 'acme', period: '' },
    { root: '', tenantId: '../globex', period: '2026-10' },
    { root: '', tenantId: 'ACME', period: '2026-10' },
    { root: '', tenantId: 'acme/globex', period: '2026-10' },
    { root: 'reports/..', tenantId: 'acme', period: '2026-10' },
    { root: 'reports//x', tenantId: 'acme', period: '2026-10' },
    { root: 'a\u0000b', tenantId: 'acme', period: '2026-10' },
  ])('refuses a part that could leave the tenant folder: %j', (place) => {
    expect(() => reportPrefix(place)).toThrow(ShareScopeError);
  });
});

describe('Function: reportPlaceOf', () => {
  it('reads root, tenant and period from a published report prefix', () => {
    expect(reportPlaceOf('b', 'reports/acme/2026-10/')).toEqual({
      bucket: 'b',
      root: 'reports',
      tenantId: 'acme',
      period: '2026-10',
    });
    expect(reportPlaceOf('b', 'acme/2026-10')).toEqual({
      bucket: 'b',
      root: '',
      tenantId: 'acme',
      period: '2026-10',
    });
  });

  it.each([
    ['acme/../globex/2026-10/', /may not hold empty, '\.' or '\.\.' segments/],
    ['acme/2026-10/../../globex/2026-10/', /may not hold/],
    ['acme//2026-10/', /may not hold/],
    ['2026-10/', /is not a published report's prefix/],
    ['', /is not a published report's prefix/],
    ['reports/Acme Corp/2026-10/', /"Acme Corp" is not a tenant id/],
  ])('refuses %j', (prefix, message) => {
    expect(() => reportPlaceOf('b', prefix)).toThrow(message);
  });
});

describe('Function: artifactKey', () => {
  it('appends a plain name to the prefix', () => {
    expect(artifactKey('acme/2026-10/', 'report.pdf')).toBe('acme/2026-10/report.pdf');
  });

  it.each([
    '../globex/2026-10/report.pdf',
    '..',
    './report.pdf',
    'a//b',
    '',
    'x\\..\\y',
    'a\nb',
    '/etc/passwd',
  ])('refuses %j', (name) => {
    expect(() => artifactKey('acme/2026-10/', name)).toThrow(ShareScopeError);
  });
});

describe('Function: downloadFileName', () => {
  it('keeps only [A-Za-z0-9._-]', () => {
    expect(downloadFileName('acme', '2026-10', 'report.pdf')).toBe('acme-2026-10-report.pdf');
    expect(downloadFileName('acme', '2026-10', 'x"; filename=evil.exe\r\n.pdf')).toBe(
      'acme-2026-10-x_filename_evil.exe_.pdf',
    );
    expect(downloadFileName('acme', '2026-10', 'sub/dir/é.csv')).toMatch(/^[A-Za-z0-9._-]+$/);
  });
});

describe('Function: contentTypeOf', () => {
  it.each([
    ['report.pdf', 'application/pdf'],
    ['report.html', 'text/html; charset=utf-8'],
    ['evidence.ndjson.gz', 'application/gzip'],
    ['findings.ocsf.jsonl', 'application/x-ndjson'],
    ['manifest.pub.pem', 'application/x-pem-file'],
    ['README', 'application/octet-stream'],
  ])('%s is served as %s', (name, type) => {
    expect(contentTypeOf(name)).toBe(type);
  });
});
