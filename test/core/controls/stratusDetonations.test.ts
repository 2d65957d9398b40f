/**
 * Every Stratus Red Team detonation in the corpus must produce at least one finding, and its
 * findings must cite controls that fit the technique (not just any control).
 */
import { describe, expect, it } from 'vitest';
import { loadControlCatalog } from '../../../functions/adapters/fs/loadControlCatalog.js';
import { loadRulePack } from '../../../functions/adapters/fs/loadRulePack.js';
import { runAnalysis } from '../../../functions/core/analysis/runAnalysis.js';
import type { RecordSource } from '../../../functions/core/ingest/types.js';
import { stratusTechniques } from '../../helpers/corpus.js';

const catalog = await loadControlCatalog();
const rules = await loadRulePack(catalog);

/** The controls a finding for each technique should cite (any one of them fits). */
const FITTING: Record<string, readonly string[]> = {
  'aws.credential-access.secretsmanager-retrieve-secrets': ['NHI2:2025', 'PR.DS-01', 'ASI03'],
  'aws.credential-access.ssm-retrieve-securestring-parameters': ['NHI2:2025', 'PR.DS-01', 'ASI03'],
  'aws.defense-evasion.cloudtrail-delete': ['PR.PS-04'],
  'aws.defense-evasion.cloudtrail-stop': ['PR.PS-04'],
  'aws.defense-evasion.dns-delete-logs': ['PR.PS-04'],
  'aws.defense-evasion.vpc-remove-flow-logs': ['PR.PS-04'],
  'aws.discovery.ec2-download-user-data': ['NHI2:2025', 'PR.DS-01', 'PR.AA-05', 'ASI03'],
  'aws.execution.ec2-launch-unusual-instances': ['ASI05', 'PR.AA-05', 'NHI5:2025', 'PR.IR-04', 'DE.CM-09'],
  'aws.execution.ssm-send-command': ['ASI05', 'PR.AA-05', 'PR.PS-05'],
  'aws.execution.ssm-start-session': ['ASI05', 'PR.AA-05', 'PR.PS-05', 'PR.IR-01'],
  'aws.exfiltration.ec2-security-group-open-port-22-ingress': ['PR.IR-01'],
  'aws.exfiltration.ec2-share-ebs-snapshot': ['PR.DS-01'],
  'aws.exfiltration.rds-share-snapshot': ['PR.DS-01'],
  'aws.lateral-movement.ec2-serial-console-send-ssh-public-key': ['PR.IR-01', 'PR.AA-05', 'ASI05'],
  'aws.persistence.iam-backdoor-role': ['NHI3:2025', 'PR.AA-05'],
  'aws.persistence.iam-create-admin-user': ['NHI5:2025', 'PR.AA-05'],
  'aws.persistence.iam-create-user-login-profile': ['NHI10:2025', 'PR.AA-01'],
  'aws.persistence.lambda-backdoor-function': ['PR.AA-05', 'NHI3:2025', 'ASI04'],
};

/**
 * Hygiene rules that fire on any attacker holding a long-lived key; a technique must be caught
 * by a rule about its behaviour, so these do not count.
 */
const GENERIC_RULES = new Set(['long-lived-key-use', 'undeclared-machine-identity']);

async function analyse(events: Record<string, unknown>[]) {
  const source: RecordSource = {
    name: 'detonation.json',
    open: async function* () {
      yield Buffer.from(JSON.stringify(events));
    },
  };
  const accounts = [...new Set(events.map((e) => String(e.recipientAccountId)))];
  const config = {
    id: 'lab',
    name: 'Stratus lab',
    mssp: { name: 'm' },
    accounts: accounts.map((id) => ({ id, name: id, environment: 'lab', source: { files: '.' } as const })),
    inventory: [],
    exceptions: [],
    recipients: [],
  };
  return runAnalysis({ sources: [source], config, configHash: null, catalog, rules, toolVersion: 'test' });
}

describe('Stratus Red Team detonations', () => {
  it('covers every technique of the corpus in the table above', () => {
    expect(
      stratusTechniques()
        .map((t) => t.technique)
        .sort(),
    ).toEqual(Object.keys(FITTING).sort());
  });

  it.each(stratusTechniques().map((t) => [t.technique, t.events] as const))(
    '%s gives a finding with fitting controls',
    async (technique, events) => {
      const analysis = await analyse(events as Record<string, unknown>[]);
      expect(analysis.input.rejected).toBe(0);
      const open = analysis.findings.filter((f) => !f.suppressed && !GENERIC_RULES.has(f.rule));
      expect(open.length, `no finding for ${technique}`).toBeGreaterThan(0);
      const cited = new Set(open.flatMap((f) => f.controls));
      const fitting = FITTING[technique]!;
      expect(
        fitting.some((id) => cited.has(id)),
        `${technique}: findings ${open.map((f) => f.rule).join(', ')} cite ${[...cited].join(', ')}; expected one of ${fitting.join(', ')}`,
      ).toBe(true);
    },
  );
});
