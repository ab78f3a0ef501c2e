import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { ConnectorStack } from '../../infra/lib/connector-stack.ts';

/**
 * Builds the connector stack without bundling the Lambda (context `aws:cdk:bundling-stacks` = []):
 * the template is identical except for the asset hash, and synth stays well under a second.
 * `npm run synth` bundles the real entry.
 */
export function buildStack(): { app: App; stack: ConnectorStack; template: Template } {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new ConnectorStack(app, 'SesConnector');
  return { app, stack, template: Template.fromStack(stack) };
}
