import { App, Tags, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { SANDBOX_ACCOUNT, selectRegions, type RegionConfig } from './config/regions';
import { AppStack } from './app-stack';
import { DataStack } from './data-stack';
import { IdentityStack } from './identity-stack';
import { WebStack } from './web-stack';

/**
 * The CDK app: a data stack and an app stack per configured region (infra/config/regions.ts), or for the
 * one region named by `-c region=NAME`. The environment is read here and nowhere else.
 */
const app = new App();
const deployingAccount = process.env.CDK_DEFAULT_ACCOUNT;

for (const region of selectRegions(app.node.tryGetContext('region'))) {
  const env = { account: accountFor(region), region: region.awsRegion };
  const prefix = `Kefu-${region.name}`;
  const data = new DataStack(app, `${prefix}-Data`, { env, region, description: `kefu ${region.name}: table, queues, bus, alarm topic` });
  const stack = new AppStack(app, `${prefix}-App`, { env, region, data, description: `kefu ${region.name}: functions and APIs` });
  // Deployed first: its outputs (issuer, web client id) are the region config's jwt (docs/onboarding.md).
  const identity = new IdentityStack(app, `${prefix}-Identity`, { env, region, description: `kefu ${region.name}: staff user pool` });
  // The app stack resolves the pool id from the identity stack's SSM parameter at deploy time.
  stack.addDependency(identity, 'the user directory function reads the staff pool id from SSM');
  const { web } = region;
  const webStack = web
    ? new WebStack(app, `${prefix}-Web`, { env, region: { ...region, web }, httpUrl: stack.httpUrl, wsUrl: stack.wsUrl, description: `kefu ${region.name}: web clients (S3 + CloudFront)` })
    : undefined;
  for (const scope of [data, stack, identity, ...(webStack ? [webStack] : [])]) {
    Tags.of(scope).add('app', 'kefu');
    Tags.of(scope).add('stage', region.stage);
  }
}

// cdk-nag v3 runs as a policy validation plugin: synth fails on any unacknowledged error.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));

/** A dev entry with the sandbox placeholder deploys into whatever account the developer is signed in to. */
function accountFor(region: RegionConfig): string | undefined {
  return region.account === SANDBOX_ACCOUNT ? (deployingAccount ?? region.account) : region.account;
}
