/**
 * @module CDK entry point of the client onboarding template: synthesizes only the
 * `TrailproofClientOnboarding` stack, with the cdk-nag AwsSolutions checks attached, so any finding fails
 * `cdk synth`.
 *
 * `npx cdk synth -a "npx tsx infra/onboarding.ts"` writes the template to the output directory;
 * `npm run synth:onboarding` copies it to `dist/trailproof-onboarding.template.json`, the file clients
 * deploy with plain CloudFormation or StackSets (see docs/onboarding.md).
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ClientOnboardingStack } from './stacks/ClientOnboardingStack.js';

/** Name of the stack, and of its template file in the cloud assembly. */
const ONBOARDING_STACK_NAME = 'TrailproofClientOnboarding';

const app = new App({
  // Applied after the CLI's context: the template is read by clients, so it carries no construct paths
  // and no CDK analytics resource, whatever the CLI defaults are.
  postCliContext: { 'aws:cdk:enable-path-metadata': false, 'aws:cdk:version-reporting': false },
});
Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));

new ClientOnboardingStack(app, ONBOARDING_STACK_NAME);
