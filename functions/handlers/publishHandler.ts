/**
 * @module The tenant's publish function: the workflow's Report step (analyze, render, sign,
 * publish) and its Share step (index page, links, notification) run in the same function, so one
 * role holds the tenant's report-bucket rights.
 *
 *   { "step": "report", ...report event }   { "step": "share", "tenant", "period" }
 */
import { handler as report } from './reportHandler.js';
import { RuntimeConfigError } from './runtime.js';
import { handler as share } from './shareHandler.js';

async function handler(event: unknown): Promise<unknown> {
  const step = (event as { step?: unknown } | null)?.step;
  if (step === 'report') return report(event);
  if (step === 'share') return share(event);
  throw new RuntimeConfigError(`expected step "report" or "share", got ${JSON.stringify(step ?? null)}`);
}

export { handler };
