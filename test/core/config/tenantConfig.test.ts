import { describe, expect, it } from 'vitest';
import { parseTenantConfig, TenantConfigError } from '../../../functions/core/config/tenantConfig.js';

const valid = {
  id: 'acme',
  name: 'Acme',
  mssp: { name: 'Northwind', colors: { primary: '#0b3d91' } },
  accounts: [
    { id: '111111111111', name: 'prod', environment: 'prod', source: { s3: { bucket: 'trail-bucket' } } },
  ],
  inventory: [
    { match: 'arn:aws:iam::111111111111:role/ci-*', class: 'workload', owner: 'platform@acme.example' },
  ],
  exceptions: [{ rule: 'long-lived-key-use', reason: 'vendor tool needs keys', expires: '2027-01-31' }],
};

function problems(document: unknown): string[] {
  try {
    parseTenantConfig(document, 'tenant.yaml');
  } catch (error) {
    expect(error).toBeInstanceOf(TenantConfigError);
    return [...(error as TenantConfigError).problems];
  }
  throw new Error('expected the config to be rejected');
}

describe('parseTenantConfig', () => {
  it('accepts a valid config and fills defaults', () => {
    const config = parseTenantConfig(valid, 'tenant.yaml');
    expect(config.recipients).toEqual([]);
    expect(config.inventory[0]!.class).toBe('workload');
  });

  it('names the field, says what was expected and shows what it got', () => {
    const p = problems({ ...valid, accounts: [{ ...valid.accounts[0], id: 123 }] });
    expect(p).toEqual(['accounts[0].id: expected a 12-digit AWS account id (quote it in YAML), got 123']);
  });

  it('rejects unknown keys, so typos cannot silently change a report', () => {
    expect(problems({ ...valid, exeptions: [] })).toEqual(['(top level): unknown key(s) "exeptions"']);
  });

  it.each([
    ['a bad tenant id', { id: 'Acme Corp' }, /^id: expected lowercase letters/],
    [
      'a bad colour',
      { mssp: { name: 'x', colors: { primary: 'blue' } } },
      /^mssp\.colors\.primary: expected a colour like #0b3d91/,
    ],
    ['no accounts', { accounts: [] }, /^accounts: list at least one account/],
    [
      'a bad source',
      { accounts: [{ ...valid.accounts[0], source: { s3: {} } }] },
      /^accounts\[0\]\.source: expected one of/,
    ],
    [
      'a bad exception date',
      { exceptions: [{ rule: 'x', reason: 'because of reasons', expires: '2027-02-30' }] },
      /^exceptions\[0\]\.expires: expected a real calendar date/,
    ],
    ['a bad actor class', { inventory: [{ match: 'x', class: 'robot' }] }, /^inventory\[0\]\.class: /],
    [
      'a bad scope action',
      { inventory: [{ match: 'x', class: 'ai-agent', allowedScope: { actions: ['s3 get'] } }] },
      /allowedScope\.actions\[0\]: expected an action pattern/,
    ],
    [
      'both frequency and cron',
      { schedule: { frequency: 'daily', cron: '0 6 * * ? *' } },
      /^schedule: set exactly one of frequency or cron/,
    ],
    [
      'a bad e-mail',
      { recipients: [{ email: 'not-an-email' }] },
      /^recipients\[0\]\.email: expected an e-mail address/,
    ],
  ])('rejects %s', (_name, patch, message) => {
    expect(problems({ ...valid, ...patch })).toEqual(
      expect.arrayContaining([expect.stringMatching(message)]),
    );
  });

  it('reports an account listed twice', () => {
    const p = problems({ ...valid, accounts: [valid.accounts[0], valid.accounts[0]] });
    expect(p).toEqual(['accounts[1].id: account 111111111111 is listed twice (also accounts[0])']);
  });

  it('lists every problem at once in the error message', () => {
    try {
      parseTenantConfig({ ...valid, id: 'X', name: '' }, 'clients/acme.yaml');
    } catch (error) {
      expect((error as Error).message).toMatch(
        /^invalid tenant config clients\/acme\.yaml:\n {2}- id: .*\n {2}- name: /,
      );
    }
  });
});
