/**
 * @module A local driver for the synthesized Step Functions workflow: it reads the state machine
 * definition out of the CloudFormation template (the exact states, parameters and paths that
 * would be deployed) and executes it, calling the Lambda handlers in this process for the tasks.
 *
 * Supported: Task (any Resource the caller maps to a handler: Lambda ARNs, SDK integrations;
 * Parameters, ResultSelector, ResultPath, Catch), Map (inline or distributed, ItemsPath or an
 * ItemReader the caller serves, MaxConcurrency), Pass (Parameters), Succeed; JSONPath `$…`,
 * `$$.Execution.Name`, `$$.Map.Item.Value`; the intrinsics States.Format and States.JsonToString.
 * Anything else fails loudly, so the driver never skips a state it cannot run.
 */

type Json = unknown;
type Handler = (event: Json) => Promise<Json>;

interface State {
  readonly Type: string;
  readonly Next?: string;
  readonly End?: boolean;
  readonly Resource?: string;
  readonly Parameters?: Record<string, Json>;
  readonly ResultPath?: string | null;
  readonly Catch?: readonly { ErrorEquals: string[]; ResultPath?: string; Next: string }[];
  readonly ItemsPath?: string;
  readonly ResultSelector?: Record<string, Json>;
  readonly ItemReader?: { readonly Resource: string; readonly Parameters: Record<string, Json> };
  readonly MaxConcurrency?: number;
  readonly ItemProcessor?: StateMachineDefinition;
  readonly Iterator?: StateMachineDefinition;
}

interface StateMachineDefinition {
  readonly StartAt: string;
  readonly States: Record<string, State>;
}

interface Context {
  readonly Execution: { readonly Name: string };
  readonly Map?: { readonly Item: { readonly Value: Json; readonly Index: number } };
}

/** One state that ran, in order (map items interleave). */
interface Step {
  readonly state: string;
  readonly input: Json;
  readonly output?: Json;
  readonly error?: string;
}

function readPath(path: string, input: Json, context: Context): Json {
  const [root, rest] = path.startsWith('$$') ? [context as Json, path.slice(2)] : [input, path.slice(1)];
  if (rest === '') return root;
  let value: Json = root;
  for (const key of rest.replace(/^\./, '').split('.')) {
    if (value === null || typeof value !== 'object' || !(key in (value as object))) {
      throw new Error(`States.Runtime: JSONPath ${path} not found in ${JSON.stringify(input).slice(0, 200)}`);
    }
    value = (value as Record<string, Json>)[key];
  }
  return value;
}

/** Splits intrinsic arguments on top-level commas, keeping quoted strings whole. */
function intrinsicArgs(text: string): string[] {
  const args: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\\' && quoted) {
      current += c + (text[++i] ?? '');
      continue;
    }
    if (c === "'") quoted = !quoted;
    if (c === ',' && !quoted) {
      args.push(current.trim());
      current = '';
    } else current += c;
  }
  if (current.trim()) args.push(current.trim());
  return args;
}

function evaluate(expression: string, input: Json, context: Context): Json {
  const call = /^States\.(\w+)\((.*)\)$/s.exec(expression);
  if (!call) return readPath(expression, input, context);
  const args = intrinsicArgs(call[2]!).map((a) =>
    a.startsWith("'") ? a.slice(1, -1).replace(/\\(.)/g, '$1') : evaluate(a, input, context),
  );
  if (call[1] === 'Format') {
    let n = 1;
    return (args[0] as string).replace(/\{\}/g, () => String(args[n++]));
  }
  if (call[1] === 'JsonToString') return JSON.stringify(args[0]);
  throw new Error(`the local driver does not evaluate States.${call[1]}`);
}

function applyParameters(parameters: Record<string, Json>, input: Json, context: Context): Json {
  const out: Record<string, Json> = {};
  for (const [key, value] of Object.entries(parameters)) {
    if (key.endsWith('.$')) out[key.slice(0, -2)] = evaluate(value as string, input, context);
    else if (value && typeof value === 'object' && !Array.isArray(value))
      out[key] = applyParameters(value as Record<string, Json>, input, context);
    else out[key] = value;
  }
  return out;
}

function writeResult(input: Json, resultPath: string | null | undefined, result: Json): Json {
  if (resultPath === null) return input;
  if (resultPath === undefined || resultPath === '$') return result;
  const keys = resultPath.replace(/^\$\./, '').split('.');
  const copy = structuredClone(input) as Record<string, Json>;
  let target = copy;
  for (const key of keys.slice(0, -1)) {
    target[key] = (target[key] as Record<string, Json>) ?? {};
    target = target[key] as Record<string, Json>;
  }
  target[keys.at(-1) as string] = result;
  return copy;
}

class TaskError extends Error {
  constructor(
    readonly error: string,
    override readonly cause: string,
  ) {
    super(`${error}: ${cause}`);
  }
}

/** Runs a definition; `handlers` maps each Task Resource (a function ARN) to its handler. */
async function runStateMachine(
  definition: StateMachineDefinition,
  input: Json,
  handlers: ReadonlyMap<string, Handler>,
  context: Context,
  steps: Step[] = [],
): Promise<{ output: Json; steps: Step[] }> {
  let name: string | undefined = definition.StartAt;
  let data = input;
  while (name) {
    const state: State | undefined = definition.States[name];
    if (!state) throw new Error(`no state ${name}`);
    let next: string | undefined = state.Next;
    let caught = false;
    switch (state.Type) {
      case 'Task': {
        const handler = handlers.get(state.Resource ?? '');
        if (!handler) throw new Error(`no handler for ${state.Resource} (state ${name})`);
        const event = state.Parameters ? applyParameters(state.Parameters, data, context) : data;
        try {
          const raw = JSON.parse(JSON.stringify(await handler(event))) as Json;
          steps.push({ state: name, input: event, output: raw });
          const result = state.ResultSelector ? applyParameters(state.ResultSelector, raw, context) : raw;
          data = writeResult(data, state.ResultPath, result);
        } catch (error) {
          const e =
            error instanceof TaskError
              ? error
              : new TaskError((error as Error).name ?? 'Error', (error as Error).message);
          steps.push({ state: name, input: event, error: e.message });
          const handlerCatch = state.Catch?.find(
            (c) => c.ErrorEquals.includes('States.ALL') || c.ErrorEquals.includes(e.error),
          );
          if (!handlerCatch) throw e;
          data = writeResult(data, handlerCatch.ResultPath ?? '$', { Error: e.error, Cause: e.cause });
          next = handlerCatch.Next;
          caught = true;
        }
        break;
      }
      case 'Pass':
        data = state.Parameters ? applyParameters(state.Parameters, data, context) : data;
        steps.push({ state: name, input: data, output: data });
        break;
      case 'Map': {
        let items: Json[];
        if (state.ItemReader) {
          const reader = handlers.get(state.ItemReader.Resource);
          if (!reader)
            throw new Error(`no handler for the item reader ${state.ItemReader.Resource} (state ${name})`);
          items = (await reader(applyParameters(state.ItemReader.Parameters, data, context))) as Json[];
        } else items = readPath(state.ItemsPath ?? '$', data, context) as Json[];
        const processor = state.ItemProcessor ?? state.Iterator;
        if (!processor || !Array.isArray(items)) throw new Error(`Map ${name} has no items or processor`);
        const results: Json[] = new Array(items.length);
        let cursor = 0;
        const worker = async () => {
          while (cursor < items.length) {
            const index = cursor++;
            const itemContext: Context = { ...context, Map: { Item: { Value: items[index], Index: index } } };
            results[index] = (
              await runStateMachine(processor, items[index], handlers, itemContext, steps)
            ).output;
          }
        };
        const concurrency = Math.max(1, Math.min(state.MaxConcurrency || items.length, items.length));
        await Promise.all(Array.from({ length: concurrency }, worker));
        data = writeResult(data, state.ResultPath, results);
        break;
      }
      case 'Succeed':
        return { output: data, steps };
      default:
        throw new Error(`the local driver does not run ${state.Type} states (${name})`);
    }
    if (state.End && !caught) return { output: data, steps };
    name = next;
  }
  return { output: data, steps };
}

/**
 * The state machine definition of a synthesized template, with each `Fn::GetAtt [<fn>, Arn]`
 * replaced by `arn:local:<logical id>`, `Ref AWS::Partition` by `aws`, and other `Ref`s by the
 * value `refs` gives (e.g. a bucket's name).
 */
function definitionFromTemplate(
  template: { Resources: Record<string, { Type: string; Properties: Record<string, Json> }> },
  logicalIdContains: string,
  refs: Readonly<Record<string, string>> = {},
): StateMachineDefinition {
  const [, machine] =
    Object.entries(template.Resources).find(
      ([id, r]) => r.Type === 'AWS::StepFunctions::StateMachine' && id.includes(logicalIdContains),
    ) ?? [];
  if (!machine) throw new Error(`no state machine with ${logicalIdContains} in its logical id`);
  const body = machine.Properties.DefinitionString as string | { 'Fn::Join': [string, Json[]] };
  const text =
    typeof body === 'string'
      ? body
      : body['Fn::Join'][1]
          .map((part) => {
            if (typeof part === 'string') return part;
            const getAtt = (part as { 'Fn::GetAtt'?: [string, string] })['Fn::GetAtt'];
            if (getAtt) return `arn:local:${getAtt[0]}`;
            const ref = (part as { Ref?: string }).Ref;
            if (ref === 'AWS::Partition') return 'aws';
            if (ref && refs[ref] !== undefined) return refs[ref];
            throw new Error(`unexpected intrinsic in the definition: ${JSON.stringify(part)}`);
          })
          .join('');
  return JSON.parse(text) as StateMachineDefinition;
}

export type { Handler, StateMachineDefinition, Step };
export { definitionFromTemplate, runStateMachine };
