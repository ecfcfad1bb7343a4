import { runInNewContext } from 'node:vm';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectRegions } from '../../infra/config/regions';
import { IdentityStack, preTokenGenerationSource, staffPoolIdParameter } from '../../infra/identity-stack';
import { identityFromClaims } from '../../shared/auth/identity';
import { resourcesOf, unacknowledgedNagFindings } from './support/template';

/** The staff user pool (issue 12 §2): admin-created users, tenant/role/shops as claims, a PKCE web client (row 24). */
let stacks: Record<'dev' | 'prod', { stack: IdentityStack; template: Template }>;

beforeAll(() => {
  const app = new App();
  const make = (id: string, name: string) => {
    const region = selectRegions(name)[0]!;
    const stack = new IdentityStack(app, id, { env: { account: region.account, region: region.awsRegion }, region, webOrigins: ['https://kefu.example.com'] });
    return stack;
  };
  const dev = make('IdentityDev', 'ap-southeast-1-dev');
  const prod = make('IdentityProd', 'ap-southeast-1-prod');
  stacks = { dev: { stack: dev, template: Template.fromStack(dev) }, prod: { stack: prod, template: Template.fromStack(prod) } };
}, 60_000);

describe('the staff user pool', () => {
  it.each(['dev', 'prod'] as const)('%s: only admins create users; tenant, role and shops are custom attributes; MFA required', (name) => {
    stacks[name].template.hasResourceProperties('AWS::Cognito::UserPool', {
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
      MfaConfiguration: 'ON',
      Schema: Match.arrayWith([
        Match.objectLike({ Name: 'tenant_id', Mutable: false }),
        Match.objectLike({ Name: 'user_id', Mutable: false }),
        Match.objectLike({ Name: 'role', Mutable: true }),
        Match.objectLike({ Name: 'shop_ids', Mutable: true }),
      ]),
      LambdaConfig: { PreTokenGenerationConfig: { LambdaVersion: 'V2_0', LambdaArn: Match.anyValue() } },
      UserPoolTier: 'ESSENTIALS',
    });
  });

  it('prod keeps the pool: deletion protection on, retained on stack deletion', () => {
    const [, pool] = resourcesOf(stacks.prod.template, 'AWS::Cognito::UserPool')[0]!;
    expect(pool.Properties!.DeletionProtection).toBe('ACTIVE');
    expect(pool.DeletionPolicy).toBe('Retain');
  });

  it('gives the web clients a public code-flow client (PKCE) that may not write tenant, role or shops', () => {
    stacks.prod.template.hasResourceProperties('AWS::Cognito::UserPoolClient', {
      GenerateSecret: false,
      AllowedOAuthFlows: ['code'],
      AllowedOAuthFlowsUserPoolClient: true,
      CallbackURLs: ['https://kefu.example.com/app/'],
      PreventUserExistenceErrors: 'ENABLED',
      EnableTokenRevocation: true,
      WriteAttributes: ['name'],
    });
    const [, client] = resourcesOf(stacks.prod.template, 'AWS::Cognito::UserPoolClient')[0]!;
    expect(client.Properties!.ExplicitAuthFlows).not.toContain('ALLOW_USER_PASSWORD_AUTH');
  });

  it.each(['dev', 'prod'] as const)('%s: publishes the pool id in SSM for the app stack (no cross-stack export the app stack would pin)', (name) => {
    const { template, stack } = stacks[name];
    const [poolId] = resourcesOf(template, 'AWS::Cognito::UserPool')[0]!;
    template.hasResourceProperties('AWS::SSM::Parameter', { Name: staffPoolIdParameter(name === 'dev' ? 'ap-southeast-1-dev' : 'ap-southeast-1-prod'), Type: 'String', Value: { Ref: poolId } });
    expect(Object.values(template.toJSON().Outputs ?? {}).filter((output: any) => output.Export)).toEqual([]);
    expect(stack.dependencies).toEqual([]);
  });

  it('has a group per staff role', () => {
    const groups = resourcesOf(stacks.prod.template, 'AWS::Cognito::UserPoolGroup').map(([, group]) => group.Properties!.GroupName);
    expect(groups).toEqual(expect.arrayContaining(['agent', 'supervisor', 'admin', 'ops']));
    expect(groups).not.toContain('buyer');
    expect(groups).not.toContain('platform');
  });

  it.each(['dev', 'prod'] as const)('%s: is cdk-nag clean (row 24)', (name) => {
    expect(unacknowledgedNagFindings(stacks[name].stack)).toEqual([]);
  });

  it("the trigger puts the user's kefu id (not Cognito's sub) into the token as user_id", async () => {
    const sandbox: { exports: { handler?: (event: unknown) => Promise<any> } } = { exports: {} };
    runInNewContext(preTokenGenerationSource, sandbox);
    const attributes = { sub: '3f1c2a9e-7d1b-4c55-9e0a-1b2c3d4e5f60', 'custom:tenant_id': 'yunke-bpo', 'custom:user_id': 'agent-a01', 'custom:role': 'agent', 'custom:shop_ids': 'peach-glow' };
    const result = await sandbox.exports.handler!({ request: { userAttributes: attributes }, response: {} });
    for (const token of ['accessTokenGeneration', 'idTokenGeneration']) {
      const claims = result.response.claimsAndScopeOverrideDetails[token].claimsToAddOrOverride;
      expect(identityFromClaims({ sub: attributes.sub, ...claims })).toEqual({ tenantId: 'yunke-bpo', userId: 'agent-a01', role: 'agent', shopIds: ['peach-glow'] });
    }
  });

  it("the trigger puts the user's tenant, role and shops into the access token as the claims kefu reads", async () => {
    const sandbox: { exports: { handler?: (event: unknown) => Promise<any> } } = { exports: {} };
    runInNewContext(preTokenGenerationSource, sandbox);
    const event = { request: { userAttributes: { sub: 'u-1', 'custom:tenant_id': 'yunke-bpo', 'custom:role': 'agent', 'custom:shop_ids': 'peach-glow,old-time' } }, response: {} };
    const result = await sandbox.exports.handler!(event);
    const claims = result.response.claimsAndScopeOverrideDetails.accessTokenGeneration.claimsToAddOrOverride;
    expect(identityFromClaims({ sub: 'u-1', ...claims })).toEqual({ tenantId: 'yunke-bpo', userId: 'u-1', role: 'agent', shopIds: ['peach-glow', 'old-time'] });
  });
});
