/**
 * @module The rule format: one YAML file per rule, with its positive and negative test events inside.
 *
 * Modelled on Sigma (selections over CloudTrail paths) and panther-analysis (metadata for
 * triage, tests inline). A rule is data: adding one touches its file and nothing else.
 */
import { z } from 'zod';
import { CHECK_NAMES } from './checks.js';

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
    field: z
      .string()
      .regex(/^[A-Za-z0-9_$]+(?:\.[A-Za-z0-9_$]+)*$/, 'expected a dotted field path')
      .optional(),
    /** A named check from checks.ts, for judgements a comparison cannot express. */
    check: z.enum(CHECK_NAMES as [string, ...string[]]).optional(),
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
      [c.equals, c.oneOf, c.startsWith, c.endsWith, c.contains, c.matches, c.exists, c.check].filter(
        (v) => v !== undefined,
      ).length === 1,
    'a condition needs exactly one of equals, oneOf, startsWith, endsWith, contains, matches, exists, check',
  )
  .refine(
    (c) => c.field !== undefined || c.check !== undefined,
    'a condition needs a field (only a check may omit it)',
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

/** `10m`, `1h`, `24h`, `7d` → milliseconds. */
const duration = z
  .string()
  .regex(/^\d+(?:s|m|h|d)$/, 'expected a duration like 10m, 1h or 7d')
  .transform(
    (text) =>
      Number(text.slice(0, -1)) *
      { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[text.slice(-1) as 's' | 'm' | 'h' | 'd'],
  );

const per = z.enum(['actor', 'credential']).default('actor');

/**
 * Stateful detectors judge an actor's (or credential's) events over the period instead of one
 * event; the rule's `match` selects the events that feed them.
 */
const DetectorSchema = z.discriminatedUnion('type', [
  z
    .object({
      type: z.literal('burst'),
      per,
      window: duration,
      threshold: z.number().int().min(2),
      /** Count distinct values of this field (or these fields, pooled) instead of events. */
      distinct: z.union([z.string(), z.array(z.string()).min(1)]).optional(),
    })
    .strict(),
  z
    .object({
      type: z.literal('sequence'),
      per,
      within: duration,
      steps: z
        .array(z.object({ eventName: stringOrList, eventSource: stringOrList.optional() }).strict())
        .min(2),
    })
    .strict(),
  z
    .object({
      type: z.literal('new-behaviour'),
      per,
      /** Share of the period (from its start) that forms the baseline. */
      baseline: z.number().min(0.05).max(0.9),
      of: z.enum(['action', 'service']),
    })
    .strict(),
  z
    .object({
      type: z.literal('spread'),
      per,
      distinct: z.string(),
      threshold: z.number().int().min(2),
    })
    .strict(),
]);
type DetectorDefinition = z.infer<typeof DetectorSchema>;

const RuleTestSchema = z
  .object({
    name: z.string().min(3),
    expect: z.boolean(),
    /** Where the test event comes from (corpus file and licence), or `handwritten`. */
    source: z.string().min(3),
    /** Tenant context for the test: accounts and inventory, as in a tenant config. */
    tenant: z
      .object({
        /** Account ids, or `{ id, environment }` when the rule looks at environments. */
        accounts: z
          .array(z.union([z.string(), z.object({ id: z.string(), environment: z.string() }).strict()]))
          .optional(),
        inventory: z.array(z.unknown()).optional(),
      })
      .strict()
      .optional(),
    /** One event for event rules… */
    event: z.record(z.string(), z.unknown()).optional(),
    /** …or a sequence of events for detectors. */
    events: z.array(z.record(z.string(), z.unknown())).min(1).optional(),
  })
  .strict()
  .refine((t) => (t.event === undefined) !== (t.events === undefined), 'a test needs either event or events');

const RuleSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'expected a kebab-case rule id'),
    title: z.string().min(5),
    description: z.string().min(10),
    effect: z.enum(['finding', 'evidence', 'context']),
    severity: z.enum(SEVERITIES).default('info'),
    controls: z.array(z.string()).min(1),
    match: MatchSchema,
    detector: DetectorSchema.optional(),
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
    if (rule.detector && rule.effect !== 'finding') {
      ctx.addIssue({
        code: 'custom',
        path: ['effect'],
        message: 'a detector rule must have effect: finding',
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

export type { Condition, DetectorDefinition, RuleDefinition, RuleMatch, RuleTest, Severity };
export { ConditionSchema, MatchSchema, RuleEffect, RuleSchema, SEVERITIES };
