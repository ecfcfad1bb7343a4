import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { RegionConfig } from './config/regions';
import { WebHosting } from './constructs/web-hosting';

export interface WebStackProps extends StackProps {
  region: RegionConfig & { web: NonNullable<RegionConfig['web']> };
  /** The region's APIs (AppStack.httpUrl / wsUrl): CDK turns them into imports. */
  httpUrl: string;
  wsUrl: string;
  repoRoot?: string;
}

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/**
 * The web clients of a region (issue 11), a stack of their own: a new bundle deploys without touching
 * the functions, and the app stack's templates stay functions and APIs only.
 */
export class WebStack extends Stack {
  readonly hosting: WebHosting;

  constructor(scope: Construct, id: string, props: WebStackProps) {
    super(scope, id, props);
    this.hosting = new WebHosting(this, 'Web', {
      repoRoot: props.repoRoot ?? REPO_ROOT,
      httpUrl: props.httpUrl,
      wsUrl: props.wsUrl,
      // The web app client is the audience the HTTP API's JWT authorizer accepts.
      signIn: { hostedUiDomain: props.region.web.hostedUiDomain, clientId: props.region.jwt.audience },
      stage: props.region.stage,
    });
    new CfnOutput(this, 'WebAppUrl', { value: this.hosting.url, description: 'Add it to the Cognito app client callback and sign-out URLs.' });
  }
}
