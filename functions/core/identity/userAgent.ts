/**
 * @module User-agent families: what kind of client made a call.
 *
 * The user agent is attacker-controlled and easy to fake, so it is a supporting signal only:
 * it never decides a class on its own against identity-level evidence.
 */

const UserAgentFamily = {
  /** The AWS console in a browser, or AWS's own internal callers on the console's behalf. */
  Console: 'console',
  Browser: 'browser',
  Cli: 'cli',
  Sdk: 'sdk',
  InfrastructureAsCode: 'iac',
  AgentFramework: 'agent-framework',
  AwsInternal: 'aws-internal',
  Scanner: 'scanner',
  Unknown: 'unknown',
} as const;
type UserAgentFamily = (typeof UserAgentFamily)[keyof typeof UserAgentFamily];

interface UserAgentPattern {
  readonly family: UserAgentFamily;
  readonly pattern: RegExp;
  readonly label: string;
}

/** First match wins; agent frameworks come before SDKs because they embed SDK user agents. */
const PATTERNS: readonly UserAgentPattern[] = [
  {
    family: UserAgentFamily.AgentFramework,
    pattern:
      /strands-agents|langchain|langgraph|llama[-_]?index|crewai|autogen|openai-agents|bedrock-agentcore|semantic-kernel|mcp-server|awslabs\/mcp|\bmcp\//i,
    label: 'an AI agent framework',
  },
  {
    family: UserAgentFamily.Scanner,
    pattern: /trufflehog|pacu|scoutsuite|prowler|cloudsploit|stratus-red-team|nuclei/i,
    label: 'a security scanner or attack tool',
  },
  {
    family: UserAgentFamily.InfrastructureAsCode,
    pattern: /terraform|pulumi|aws-cdk|cloudformation|crossplane|serverless\/|aws-sam-cli|opentofu/i,
    label: 'an infrastructure-as-code tool',
  },
  {
    family: UserAgentFamily.Cli,
    pattern: /^aws-cli\/|\baws-cli\/|aws-shell|aws-vault/i,
    label: 'the AWS CLI',
  },
  {
    family: UserAgentFamily.Sdk,
    pattern:
      /^(?:boto3|botocore|aws-sdk-|aws-sdk\/|aws-sdk-java|aws-sdk-go|aws-sdk-js|aws-sdk-net|aws-sdk-rust|aws-sdk-php|aws-sdk-ruby|aws-sdk-cpp|Boto3)|\bBoto3\/|\bbotocore\/|\baws-sdk-(?:js|java|go|go-v2|net|rust|php|ruby|cpp|kotlin|swift)\b|aws-sdk-js-v3/i,
    label: 'an AWS SDK',
  },
  {
    family: UserAgentFamily.Console,
    pattern:
      /^(?:console\.amazonaws\.com|signin\.amazonaws\.com|console\.[a-z0-9-]+\.amazonaws\.com|S3Console|AWSConsole)|console\.aws\.amazon\.com|ConsoleBackend/i,
    label: 'the AWS console',
  },
  {
    family: UserAgentFamily.Browser,
    pattern: /^Mozilla\/|Chrome\/|Safari\/|Firefox\/|Edg\//,
    label: 'a web browser',
  },
  {
    family: UserAgentFamily.AwsInternal,
    pattern: /\.amazonaws\.com$|^AWS Internal|^aws-internal/i,
    label: 'an AWS service',
  },
  {
    family: UserAgentFamily.Scanner,
    pattern: /^(?:curl|python-requests|Go-http-client|okhttp|PostmanRuntime|wget)\b/i,
    label: 'a generic HTTP client',
  },
];

/** Classifies a user agent string; cheap enough to call per event, but callers cache by string. */
function userAgentFamily(userAgent: string): { family: UserAgentFamily; label: string } {
  if (!userAgent) return { family: UserAgentFamily.Unknown, label: 'no user agent' };
  for (const { family, pattern, label } of PATTERNS) {
    if (pattern.test(userAgent)) return { family, label };
  }
  return { family: UserAgentFamily.Unknown, label: 'an unrecognised client' };
}

/** True for families that mean a person at a keyboard (console or browser). */
function isInteractiveFamily(family: UserAgentFamily): boolean {
  return family === UserAgentFamily.Console || family === UserAgentFamily.Browser;
}

export { isInteractiveFamily, UserAgentFamily, userAgentFamily };
