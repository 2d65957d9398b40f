/**
 * @module The rule format: one YAML file per rule, with its positive and negative test events inside.
 *
 * Modelled on Sigma (selections over CloudTrail paths) and panther-analysis (metadata for
 * triage, tests inline). A rule is data: adding one touches its file and nothing else.
 */
import { z } from 'zod';

const SEVERITIES = ['info', 'low', 'medium', 'high', 'critical'] as const;
type Severity = (typeof SEVERITIES)[number];

/** What a match means for the controls it names. */
const RuleEffect = {
  /** Something is wrong: a finding is raised and its controls are violated. */
  Finding: 'finding',
  /** A control is seen operating (rotation, revocation, MFA): its controls are evidenced. */
  Evidence: 'evidence',
  /** The action bears on the controls (per-action mapping) without judging it. */
  Context: 'context',
} as const;
type RuleEffect = (typeof RuleEffect)[keyof typeof RuleEffect];

const ACTOR_CLASS_VALUES = [
  'human',
  'workload',
  'ai-agent',
  'aws-service',
  'third-party',
  'unknown',
] as const;

const scalar = z.union([z.string(), z.number(), z.boolean()]);

/** One test on a field of the raw record, addressed by a dotted path such as `requestParameters.policyArn`. */
const ConditionSchema = z
  .object({
    field: z.string().regex(/^[A-Za-z0-9_$]+(?:\.[A-Za-z0-9_$]+)*$/, 'expected a dotted field path'),
    equals: scalar.optional(),
    oneOf: z.array(scalar).min(1).optional(),
    startsWith: z.union([z.string(), z.array(z.string()).min(1)]).optional(),
    endsWith: z.union([z.string(), z.array(z.string()).min(1)]).optional(),
    contains: z.union([z.string(), z.array(z.string()).min(1)]).optional(),
    matches: z.string().optional().describe('a JavaScript regular expression'),
    exists: z.boolean().optional(),
    ignoreCase: z.boolean().optional(),
  })
  .strict()
  .refine(
    (c) =>
      [c.equals, c.oneOf, c.startsWith, c.endsWith, c.contains, c.matches, c.exists].filter(
        (v) => v !== undefined,
      ).length === 1,
    'a condition needs exactly one of equals, oneOf, startsWith, endsWith, contains, matches, exists',
  );
type Condition = z.infer<typeof ConditionSchema>;

const stringOrList = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]);

const MatchSchema = z
  .object({
    eventSource: stringOrList.optional(),
    eventName: stringOrList.optional(),
    actorClass: z.array(z.enum(ACTOR_CLASS_VALUES)).min(1).optional(),
    credentialKind: z
      .array(z.enum(['long-lived', 'temporary', 'none']))
      .min(1)
      .optional(),
    userAgentFamily: z
      .array(
        z.enum([
          'console',
          'browser',
          'cli',
          'sdk',
          'iac',
          'agent-framework',
          'aws-internal',
          'scanner',
          'unknown',
        ]),
      )
      .min(1)
      .optional(),
    /** `true`: only failed calls (errorCode set); `false`: only successful ones. */
    failed: z.boolean().optional(),
    all: z.array(ConditionSchema).optional(),
    any: z.array(ConditionSchema).optional(),
    none: z.array(ConditionSchema).optional(),
  })
  .strict();
type RuleMatch = z.infer<typeof MatchSchema>;

const RuleTestSchema = z
  .object({
    name: z.string().min(3),
    expect: z.boolean(),
    /** Where the test event comes from (corpus file and licence), or `handwritten`. */
    source: z.string().min(3),
    /** Tenant context for the test: accounts and inventory, as in a tenant config. */
    tenant: z
      .object({ accounts: z.array(z.string()).optional(), inventory: z.array(z.unknown()).optional() })
      .optional(),
    event: z.record(z.string(), z.unknown()),
  })
  .strict();

const RuleSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'expected a kebab-case rule id'),
    title: z.string().min(5),
    description: z.string().min(10),
    effect: z.enum(['finding', 'evidence', 'context']),
    severity: z.enum(SEVERITIES).default('info'),
    controls: z.array(z.string()).min(1),
    match: MatchSchema,
    /** Field whose value separates findings of one actor (e.g. the trail name); also used by exceptions. */
    resource: z.string().optional(),
    /** Fields shown with the finding as evidence context. */
    evidence: z.array(z.string()).default([]),
    remediation: z.string().optional(),
    falsePositives: z.array(z.string()).default([]),
    references: z.array(z.string()).default([]),
    attack: z
      .array(z.string().regex(/^T\d{4}(?:\.\d{3})?$/, 'expected a MITRE ATT&CK technique like T1562.008'))
      .default([]),
    tests: z
      .array(RuleTestSchema)
      .min(2, 'each rule needs at least one positive and one negative test event'),
  })
  .strict()
  .superRefine((rule, ctx) => {
    if (!rule.tests.some((t) => t.expect)) {
      ctx.addIssue({ code: 'custom', path: ['tests'], message: 'needs at least one test with expect: true' });
    }
    if (!rule.tests.some((t) => !t.expect)) {
      ctx.addIssue({
        code: 'custom',
        path: ['tests'],
        message: 'needs at least one test with expect: false',
      });
    }
    if (rule.effect === 'finding' && rule.severity === 'info') {
      ctx.addIssue({
        code: 'custom',
        path: ['severity'],
        message: 'a finding rule needs a severity above info',
      });
    }
  });

type RuleDefinition = z.infer<typeof RuleSchema>;
type RuleTest = z.infer<typeof RuleTestSchema>;

export type { Condition, RuleDefinition, RuleMatch, RuleTest, Severity };
export { ConditionSchema, MatchSchema, RuleEffect, RuleSchema, SEVERITIES };
