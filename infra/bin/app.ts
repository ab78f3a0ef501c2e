import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ConnectorStack } from '../lib/connector-stack.ts';
import { SecurityLakeRegistrationStack } from '../lib/constructs/security-lake-registration.ts';

/**
 * CDK app: one connector stack, checked by cdk-nag AwsSolutions (v3 policy-validation plugin; an
 * unacknowledged finding fails synth). Stack name: context `stackName` or `SesConnector`.
 */
const app = new App();
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
new ConnectorStack(app, app.node.tryGetContext('stackName') ?? 'SesConnector', {
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});
// Optional: one Security Lake custom source per OCSF class (docs/ocsf.md), deployed on its own.
const registration = app.node.tryGetContext('securityLakeRegistration');
if (registration === true || registration === 'true')
  new SecurityLakeRegistrationStack(
    app,
    `${app.node.tryGetContext('stackName') ?? 'SesConnector'}SecurityLakeSources`,
    {
      env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
    },
  );
app.synth();
