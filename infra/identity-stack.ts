import { CfnOutput, Duration, RemovalPolicy, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import type { Construct } from 'constructs';
import { staffRoles } from '../shared/people/user';
import type { RegionConfig } from './config/regions';

export interface IdentityStackProps extends StackProps {
  region: RegionConfig;
  /** Where the web clients live: the authorization code flow's redirect targets. */
  webOrigins?: readonly string[];
}

/**
 * The region's Cognito user pool: where staff accounts sign in (docs/onboarding.md, "The cloud user
 * pool"). Only admins create users (no self sign-up); a user's tenant, role and shops are custom
 * attributes (`custom:tenant_id`, `custom:role`, `custom:shop_ids`) that only admin APIs may write (the
 * app client may not write them); a V2 pre-token-generation trigger copies them into the access token
 * as the claims kefu reads (`tenant_id`, `role`, `shop_ids`: shared/auth/identity.ts). The web clients
 * sign in with the authorization code flow and PKCE through a public app client (no secret, nothing
 * else). Deployed before the app stack: its outputs (issuer, client id) are the region config's `jwt`.
 * kefu itself checks each request against its own account item too (USER_DISABLED, TOKEN_STALE), so a
 * disable takes effect before the access token expires.
 */
export class IdentityStack extends Stack {
  readonly userPool: cognito.UserPool;
  readonly webClient: cognito.UserPoolClient;

  constructor(scope: Construct, id: string, props: IdentityStackProps) {
    super(scope, id, props);
    const prod = props.region.stage === 'prod';

    this.userPool = new cognito.UserPool(this, 'StaffPool', {
      userPoolName: `kefu-${props.region.name}-staff`,
      selfSignUpEnabled: false,
      signInAliases: { username: true, email: true },
      signInCaseSensitive: false,
      // Invitations go out from the admin's AdminCreateUser; users verify their email on first sign-in.
      autoVerify: { email: true },
      accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
      customAttributes: {
        tenant_id: new cognito.StringAttribute({ minLen: 1, maxLen: 64, mutable: false }),
        // kefu's user id (Cognito's `sub` is its own UUID): the claim `user_id` (shared/auth/identity.ts).
        user_id: new cognito.StringAttribute({ minLen: 1, maxLen: 64, mutable: false }),
        role: new cognito.StringAttribute({ minLen: 1, maxLen: 32, mutable: true }),
        // Comma-separated shop ids; 2,048 characters is Cognito's maximum for a custom attribute.
        shop_ids: new cognito.StringAttribute({ minLen: 0, maxLen: 2048, mutable: true }),
      },
      passwordPolicy: { minLength: 12, requireLowercase: true, requireUppercase: true, requireDigits: true, requireSymbols: true, tempPasswordValidity: Duration.days(3) },
      // Staff read buyers' personal data: a second factor is required (authenticator app).
      mfa: cognito.Mfa.REQUIRED,
      mfaSecondFactor: { otp: true, sms: false },
      // ESSENTIALS: needed for access-token customization by the V2 pre-token-generation trigger.
      featurePlan: cognito.FeaturePlan.ESSENTIALS,
      deletionProtection: prod,
      removalPolicy: prod ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });

    const claims = new lambda.Function(this, 'StaffClaims', {
      runtime: lambda.Runtime.NODEJS_22_X,
      handler: 'index.handler',
      // Small enough to live inline: no bundling, nothing to import.
      code: lambda.Code.fromInline(preTokenGenerationSource),
      memorySize: 128,
      timeout: Duration.seconds(5),
      logGroup: new logs.LogGroup(this, 'StaffClaimsLogs', { retention: logs.RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.DESTROY }),
      description: 'Copies a staff user\'s tenant, role and shops into their access token (kefu claims)',
    });
    this.userPool.addTrigger(cognito.UserPoolOperation.PRE_TOKEN_GENERATION_CONFIG, claims, cognito.LambdaVersion.V2_0);

    const origins = props.webOrigins ?? (prod ? [] : ['http://localhost:3000']);
    this.userPool.addDomain('HostedSignIn', { cognitoDomain: { domainPrefix: `kefu-${props.region.name}` } });
    this.webClient = this.userPool.addClient('WebClient', {
      userPoolClientName: 'kefu-web',
      // A public client: browsers cannot keep a secret; the code flow with PKCE protects the exchange.
      generateSecret: false,
      authFlows: { userSrp: true },
      oAuth: {
        flows: { authorizationCodeGrant: true, implicitCodeGrant: false, clientCredentials: false },
        scopes: [cognito.OAuthScope.OPENID, cognito.OAuthScope.EMAIL, cognito.OAuthScope.PROFILE],
        callbackUrls: origins.length > 0 ? origins.map((origin) => `${origin}/app/`) : ['https://kefu.invalid/app/'],
        logoutUrls: origins.length > 0 ? origins.map((origin) => `${origin}/app/`) : ['https://kefu.invalid/app/'],
      },
      preventUserExistenceErrors: true,
      enableTokenRevocation: true,
      accessTokenValidity: Duration.hours(1),
      idTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.hours(12),
      // Users may change their name, never their tenant, role or shops: only admin APIs write those.
      writeAttributes: new cognito.ClientAttributes().withStandardAttributes({ fullname: true }),
      readAttributes: new cognito.ClientAttributes().withStandardAttributes({ fullname: true, email: true, emailVerified: true }).withCustomAttributes('tenant_id', 'user_id', 'role', 'shop_ids'),
    });

    // One group per staff role, so the console and audits show who holds which role at a glance; the
    // claim kefu reads is the attribute (a user in several groups would be ambiguous).
    for (const role of staffRoles) {
      new cognito.CfnUserPoolGroup(this, `Role-${role}`, { userPoolId: this.userPool.userPoolId, groupName: role, description: `kefu role ${role}` });
    }

    // The app stack reads the pool from here at deploy time (its user directory function's variable and
    // grant): an SSM parameter, not a cross-stack export, so this stack never waits on the app stack.
    new ssm.StringParameter(this, 'StaffPoolId', {
      parameterName: staffPoolIdParameter(props.region.name),
      stringValue: this.userPool.userPoolId,
      description: 'The staff user pool that SyncUserDirectory writes (infra/app-stack.ts)',
    });

    new CfnOutput(this, 'Issuer', { value: `https://cognito-idp.${this.region}.${this.urlSuffix}/${this.userPool.userPoolId}`, description: "The region config's jwt.issuer" });
    new CfnOutput(this, 'WebClientId', { value: this.webClient.userPoolClientId, description: "The region config's jwt.audience (API Gateway checks client_id on access tokens)" });

    Validations.of(this.userPool).acknowledge({
      id: 'AwsSolutions-COG3',
      reason:
        'Threat protection (advanced security) needs the PLUS feature plan, priced per monthly active user; MFA is required ' +
        'and sign-in is by admin-created accounts only. Revisit with the security review before the first prod tenant.',
    });
    Validations.of(this.userPool).acknowledge({
      id: 'AwsSolutions-COG8',
      reason: 'ESSENTIALS, not PLUS: see COG3 (threat protection is the PLUS plan\'s addition, priced per monthly active user).',
    });
    Validations.of(claims).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason: 'The trigger only writes its own logs: the AWS managed basic execution policy is exactly that.',
    });
    Validations.of(claims).acknowledge({ id: 'AwsSolutions-L1', reason: 'Node.js 22, like every kefu function (infra/constructs/kefu-function.ts).' });
  }
}

/** Where the identity stack publishes the region's staff pool id for the app stack. */
export function staffPoolIdParameter(regionName: string): string {
  return `/kefu/${regionName}/staff-user-pool-id`;
}

/**
 * The V2 pre-token-generation trigger: the access and ID tokens get `tenant_id`, `role` and `shop_ids`
 * from the user's custom attributes, and `user_id` (kefu's id; `sub` is Cognito's own UUID, which a trigger
 * may not override). shared/auth/identity.ts reads them; shops as a comma-separated string.
 */
export const preTokenGenerationSource = `exports.handler = async (event) => {
  const attributes = event.request.userAttributes || {};
  const claims = {
    tenant_id: attributes['custom:tenant_id'] || '',
    role: attributes['custom:role'] || '',
    shop_ids: attributes['custom:shop_ids'] || '',
  };
  if (attributes['custom:user_id']) claims.user_id = attributes['custom:user_id'];
  event.response = {
    claimsAndScopeOverrideDetails: {
      accessTokenGeneration: { claimsToAddOrOverride: claims },
      idTokenGeneration: { claimsToAddOrOverride: claims },
    },
  };
  return event;
};
`;
