import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { ConnectorStack } from '../../infra/lib/connector-stack.ts';

/**
 * Builds the connector stack without bundling the Lambda (context `aws:cdk:bundling-stacks` = []):
 * the template is identical except for the asset hash. `npm run synth` and bundle.test.ts bundle the
 * real entry. `cfnValidation` runs CDK's built-in CloudFormation validation (a few seconds).
 */
export function buildStack(options: { cfnValidation?: boolean; context?: Record<string, unknown> } = {}): {
  app: App;
  stack: ConnectorStack;
  template: Template;
} {
  const app = new App({
    context: { 'aws:cdk:bundling-stacks': [], ...options.context },
    builtinCloudFormationValidation: options.cfnValidation ?? false,
  });
  const stack = new ConnectorStack(app, 'SesConnector');
  return { app, stack, template: Template.fromStack(stack) };
}
