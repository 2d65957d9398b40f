/**
 * @module The tenant's work function: the workflow's Plan step and each Distributed Map item
 * (collect one shard) run in the same function, so one role holds the tenant's collection rights.
 *
 *   { "step": "plan", "tenant": "acme", "runId": "<execution name>", "input": <execution input> }
 *   { "step": "collect", "shard": { "tenant", "period", "runId", "account", "region"? } }
 */
import { handler as collect } from './collectHandler.js';
import { handler as plan } from './planHandler.js';
import { RuntimeConfigError } from './runtime.js';

async function handler(event: unknown): Promise<unknown> {
  const e = (event ?? {}) as {
    step?: unknown;
    tenant?: unknown;
    runId?: unknown;
    input?: unknown;
    shard?: unknown;
  };
  if (e.step === 'plan') {
    // The tenant comes from the state machine's definition, never from the (startable) input.
    const input = typeof e.input === 'object' && e.input !== null ? e.input : {};
    return plan({ ...input, tenant: e.tenant, runId: e.runId });
  }
  if (e.step === 'collect') return collect(e.shard);
  throw new RuntimeConfigError(`expected step "plan" or "collect", got ${JSON.stringify(e.step ?? null)}`);
}

export { handler };
