import { App, type Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { selectRegions } from '../../infra/config/regions';
import type { WebHosting } from '../../infra/constructs/web-hosting';
import { WebStack } from '../../infra/web-stack';
import { cdkWarningsAndErrors, referencedId, resourcesOf, unacknowledgedNagFindings } from './support/template';

/**
 * The web clients' hosting (issue 11) on its own stack: a private bucket behind CloudFront with Origin
 * Access Control, security headers, SPA fallback, and the deployment of the built web/ plus a runtime
 * config.json. No asset bundling (an empty bundling-stacks list, as in app-stack.test.ts): the bundle is
 * built by `npm run build:web` / the synth, and checked by test/browser; here the wiring is.
 */
const httpUrl = 'https://abc123.execute-api.ap-southeast-1.amazonaws.com';
const wsUrl = 'wss://ws456.execute-api.ap-southeast-1.amazonaws.com/prod';
const hostedUiDomain = 'https://kefu-ap-southeast-1-prod.auth.ap-southeast-1.amazoncognito.com';

let stack: Stack;
let hosting: WebHosting;
let template: Template;
let app: App;

beforeAll(() => {
  app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const region = selectRegions('ap-southeast-1-prod')[0]!;
  const web = new WebStack(app, 'Web', {
    env: { account: region.account, region: region.awsRegion },
    region: { ...region, web: { hostedUiDomain } },
    repoRoot: path.resolve(import.meta.dirname, '../..'),
    httpUrl,
    wsUrl,
  });
  stack = web;
  hosting = web.hosting;
  template = Template.fromStack(stack);
}, 120_000);

const bucketId = () => stack.getLogicalId(hosting.bucket.node.defaultChild as never);

describe('the web clients in S3 behind CloudFront', () => {
  it('keeps the assets in a private, versioned, encrypted bucket with access logs, reachable over TLS only', () => {
    const bucket = template.toJSON().Resources[bucketId()];
    expect(bucket.Properties).toMatchObject({
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      VersioningConfiguration: { Status: 'Enabled' },
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      LoggingConfiguration: { LogFilePrefix: 's3/' },
    });
    expect(bucket.DeletionPolicy).toBe('Retain');
    const policy = resourcesOf(template, 'AWS::S3::BucketPolicy').find(([, p]) => referencedId(p.Properties!.Bucket) === bucketId())![1];
    const statements = policy.Properties!.PolicyDocument.Statement as Record<string, any>[];
    expect(statements).toContainEqual(
      expect.objectContaining({ Effect: 'Deny', Principal: { AWS: '*' }, Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
    );
    // Only CloudFront reads, and only on behalf of this distribution (OAC's SourceArn condition).
    const reads = statements.filter((s) => s.Effect === 'Allow' && s.Action === 's3:GetObject');
    expect(reads).toHaveLength(1);
    expect(reads[0]!.Principal).toEqual({ Service: 'cloudfront.amazonaws.com' });
    expect(JSON.stringify(reads[0]!.Condition)).toContain(stack.getLogicalId(hosting.distribution.node.defaultChild as never));
  });

  it('serves them through CloudFront with Origin Access Control, HTTPS only, with logs', () => {
    template.resourceCountIs('AWS::CloudFront::OriginAccessControl', 1);
    template.hasResourceProperties('AWS::CloudFront::OriginAccessControl', {
      OriginAccessControlConfig: { OriginAccessControlOriginType: 's3', SigningBehavior: 'always', SigningProtocol: 'sigv4' },
    });
    template.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        Logging: Match.objectLike({ Prefix: 'cloudfront/' }),
        DefaultCacheBehavior: Match.objectLike({ ViewerProtocolPolicy: 'redirect-to-https', ResponseHeadersPolicyId: Match.anyValue() }),
        Origins: Match.arrayWith([Match.objectLike({ OriginAccessControlId: Match.anyValue(), S3OriginConfig: { OriginAccessIdentity: '' } })]),
      }),
    });
  });

  it("forwards /v1/* and /health to the region's HTTP API uncached, so the page calls its own origin (no CORS) and API errors pass through", () => {
    const [, distribution] = resourcesOf(template, 'AWS::CloudFront::Distribution')[0]!;
    const config = distribution.Properties!.DistributionConfig;
    const behaviors = config.CacheBehaviors as Record<string, any>[];
    expect(behaviors.map((b) => b.PathPattern)).toEqual(['/v1/*', '/health']);
    const apiOrigins = (config.Origins as Record<string, any>[]).filter((o) => o.CustomOriginConfig);
    expect(apiOrigins).toHaveLength(1);
    const apiOrigin = apiOrigins[0]!;
    expect(apiOrigin.DomainName).toBe('abc123.execute-api.ap-southeast-1.amazonaws.com');
    expect(apiOrigin.CustomOriginConfig.OriginProtocolPolicy).toBe('https-only');
    for (const behavior of behaviors) {
      expect(behavior).toMatchObject({ TargetOriginId: apiOrigin.Id, ViewerProtocolPolicy: 'https-only', CachePolicyId: '4135ea2d-6df8-44a3-9df3-4b5a84be39ad' });
      expect(behavior.AllowedMethods).toEqual(expect.arrayContaining(['GET', 'POST', 'PUT', 'DELETE']));
    }
    // No distribution-wide custom error pages: they would turn the API's 403 / 404 into the app's page.
    expect(config.CustomErrorResponses).toBeUndefined();
  });

  it('serves the app under /app/ (index.html for its extensionless deep links) and redirects anything else there (a CloudFront Function)', () => {
    const [, fn] = resourcesOf(template, 'AWS::CloudFront::Function')[0]!;
    const handler = new Function(`${fn.Properties!.FunctionCode as string}; return handler;`)() as (event: { request: { uri: string } }) => Record<string, any>;
    const rewrite = (uri: string) => handler({ request: { uri } }).uri;
    expect(['/app/', '/app/agent', '/app/wall/'].map(rewrite)).toEqual(['/app/index.html', '/app/index.html', '/app/index.html']);
    expect(['/app/app.js', '/app/config.json', '/app/files/noto-sans-sc-4-abc.woff2'].map(rewrite)).toEqual(['/app/app.js', '/app/config.json', '/app/files/noto-sans-sc-4-abc.woff2']);
    for (const uri of ['/', '/index.html', '/agent']) expect(handler({ request: { uri } })).toMatchObject({ statusCode: 302, headers: { location: { value: '/app/' } } });
    const [, distribution] = resourcesOf(template, 'AWS::CloudFront::Distribution')[0]!;
    expect(distribution.Properties!.DistributionConfig.DefaultCacheBehavior.FunctionAssociations).toEqual([
      { EventType: 'viewer-request', FunctionARN: { 'Fn::GetAtt': [resourcesOf(template, 'AWS::CloudFront::Function')[0]![0], 'FunctionARN'] } },
    ]);
  });

  it("sends a Content-Security-Policy that lets the page talk to the region's API, WebSocket and sign-in domain only, with HSTS and nosniff", () => {
    const [, policy] = resourcesOf(template, 'AWS::CloudFront::ResponseHeadersPolicy')[0]!;
    const security = policy.Properties!.ResponseHeadersPolicyConfig.SecurityHeadersConfig;
    const csp = security.ContentSecurityPolicy.ContentSecurityPolicy as string;
    const directives = Object.fromEntries(csp.split('; ').map((d) => [d.split(' ')[0], d.split(' ').slice(1)]));
    expect(directives['connect-src']).toEqual(["'self'", httpUrl, wsUrl, hostedUiDomain]);
    expect(directives['default-src']).toEqual(["'self'"]);
    expect(directives['script-src']).toEqual(["'self'"]);
    expect(directives['object-src']).toEqual(["'none'"]);
    expect(csp).not.toContain('unsafe-inline');
    expect(security.StrictTransportSecurity).toMatchObject({ AccessControlMaxAgeSec: 31_536_000, IncludeSubdomains: true });
    expect(security.ContentTypeOptions).toEqual({ Override: true });
  });

  it('deploys the built web/ and a runtime config.json (the API URLs and Cognito client, not baked into the bundle), then invalidates the cache', () => {
    const [, deployment] = resourcesOf(template, 'Custom::CDKBucketDeployment')[0]!;
    const props = deployment.Properties!;
    expect(referencedId(props.DestinationBucketName)).toBe(bucketId());
    expect(props.SourceBucketNames).toHaveLength(2);
    expect(props.DistributionPaths).toEqual(['/*']);
    expect(props.DestinationBucketKeyPrefix).toBe('app/');
    expect(props.SystemMetadata).toEqual({ 'cache-control': 'no-cache' });
    // Source.jsonData: config.json is written at deploy time, its redirect URI being the distribution's own domain.
    expect(props.SourceMarkers[1]).toEqual({ '<<marker:0xbaba:0>>': { 'Fn::GetAtt': [stack.getLogicalId(hosting.distribution.node.defaultChild as never), 'DomainName'] } });
  });

  it('writes config.json with the WebSocket URL (the HTTP API is the page\'s own origin) and the Cognito client, the redirect URI filled in at deploy time', () => {
    const outdir = app.synth().directory;
    const configs = readdirSync(outdir)
      .map((entry) => path.join(outdir, entry, 'config.json'))
      .filter((file) => existsSync(file));
    expect(configs).toHaveLength(1);
    expect(JSON.parse(readFileSync(configs[0]!, 'utf8'))).toEqual({
      signIn: 'cognito',
      httpUrl: '',
      wsUrl,
      cognito: { domain: hostedUiDomain, clientId: 'kefu-prod-app-client-id', redirectUri: 'https://<<marker:0xbaba:0>>/app/', scopes: ['openid', 'profile'] },
    });
  });

  it('passes cdk-nag (AwsSolutions) with every acknowledgement justified, and synthesizes without warnings', () => {
    expect(unacknowledgedNagFindings(stack)).toEqual([]);
    expect(cdkWarningsAndErrors(stack)).toEqual([]);
  });
});
