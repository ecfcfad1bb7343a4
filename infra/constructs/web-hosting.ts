import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { DefaultStackSynthesizer, DockerImage, Duration, Fn, RemovalPolicy, Stack, Token, Validations, type CfnElement } from 'aws-cdk-lib';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import { HttpOrigin, S3BucketOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import { Construct } from 'constructs';

export interface WebHostingProps {
  /** The repository root: web/ is built from there. */
  repoRoot: string;
  /** `https://…execute-api…` of the HTTP API. */
  httpUrl: string;
  /** `wss://…execute-api…/<stage>` of the WebSocket API. */
  wsUrl: string;
  /** The Cognito hosted UI (`https://<prefix>.auth.<region>.amazoncognito.com`) and the web app client. */
  signIn: { hostedUiDomain: string; clientId: string };
  /** dev: buckets go with the stack; prod: they stay. */
  stage: 'dev' | 'prod';
}

/**
 * The web clients in the cloud (issue 11): the built web/ in a private, versioned S3 bucket that only
 * this CloudFront distribution reads (Origin Access Control), TLS only, with access logs, strict
 * security headers and an SPA fallback. Where the APIs are and how to sign in is `config.json`, written
 * at deploy time next to the bundle, so one bundle serves every region and nothing region-specific is
 * baked into it.
 */
export class WebHosting extends Construct {
  readonly bucket: s3.Bucket;
  readonly distribution: cloudfront.Distribution;
  /** `https://<distribution>/app/`: the redirect URI the Cognito app client must allow. */
  readonly url: string;

  constructor(scope: Construct, id: string, props: WebHostingProps) {
    super(scope, id);
    const removalPolicy = props.stage === 'dev' ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN;
    const autoDeleteObjects = props.stage === 'dev';

    // CloudFront's standard logs are delivered with an ACL, so this bucket (and only this one) keeps ACLs.
    const logs = new s3.Bucket(this, 'AccessLogs', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
      lifecycleRules: [{ expiration: Duration.days(props.stage === 'dev' ? 30 : 365) }],
      removalPolicy,
      autoDeleteObjects,
    });
    Validations.of(logs).acknowledge({ id: 'AwsSolutions-S1', reason: 'The access-log bucket itself: logging it would log into itself.' });

    this.bucket = new s3.Bucket(this, 'Assets', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      versioned: true,
      serverAccessLogsBucket: logs,
      serverAccessLogsPrefix: 's3/',
      // Old bundles stay a while for a rollback, then go.
      lifecycleRules: [{ noncurrentVersionExpiration: Duration.days(30) }],
      removalPolicy,
      autoDeleteObjects,
    });

    const headers = new cloudfront.ResponseHeadersPolicy(this, 'SecurityHeaders', {
      comment: 'kefu web: CSP to the region APIs and Cognito only, HSTS, nosniff',
      securityHeadersBehavior: {
        contentSecurityPolicy: { contentSecurityPolicy: contentSecurityPolicy(props), override: true },
        strictTransportSecurity: { accessControlMaxAge: Duration.days(365), includeSubdomains: true, override: true },
        contentTypeOptions: { override: true },
        referrerPolicy: { referrerPolicy: cloudfront.HeadersReferrerPolicy.NO_REFERRER, override: true },
        // No X-Frame-Options: the buyer widget is embedded in shops' pages (CSP frame-ancestors decides).
      },
    });

    // The app lives under /app/ as on the local stack (the user pool's callback URLs name it): anything
    // else on the bucket behavior redirects there; an extensionless path under it is the app's page.
    const spaFallback = new cloudfront.Function(this, 'SpaFallback', {
      runtime: cloudfront.FunctionRuntime.JS_2_0,
      comment: 'kefu web: /app/ SPA fallback',
      code: cloudfront.FunctionCode.fromInline(
        "function handler(event) { var r = event.request; if (r.uri.indexOf('/app/') !== 0) { return { statusCode: 302, statusDescription: 'Found', headers: { location: { value: '/app/' } } }; } if (!/\\.[A-Za-z0-9]+$/.test(r.uri)) { r.uri = '/app/index.html'; } return r; }",
      ),
    });

    const api = new HttpOrigin(Fn.select(2, Fn.split('/', props.httpUrl)), { protocolPolicy: cloudfront.OriginProtocolPolicy.HTTPS_ONLY });
    this.distribution = new cloudfront.Distribution(this, 'Distribution', {
      comment: 'kefu web clients',
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      priceClass: cloudfront.PriceClass.PRICE_CLASS_200,
      enableLogging: true,
      logBucket: logs,
      logFilePrefix: 'cloudfront/',
      defaultBehavior: {
        origin: S3BucketOrigin.withOriginAccessControl(this.bucket),
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: headers,
        compress: true,
        // SPA fallback on the bucket's behavior only (custom error responses would also rewrite the API's 403/404).
        functionAssociations: [{ eventType: cloudfront.FunctionEventType.VIEWER_REQUEST, function: spaFallback }],
      },
      // The HTTP API under the page's own origin: no CORS, and the browser sends the token only to it.
      // Never cached; every viewer header but Host goes through (the JWT authorizer reads Authorization).
      additionalBehaviors: Object.fromEntries(
        ['/v1/*', '/health'].map((pattern) => [
          pattern,
          {
            origin: api,
            viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
            allowedMethods: cloudfront.AllowedMethods.ALLOW_ALL,
            cachePolicy: cloudfront.CachePolicy.CACHING_DISABLED,
            originRequestPolicy: cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
            responseHeadersPolicy: headers,
          },
        ]),
      ),
    });
    Validations.of(this.distribution).acknowledge(
      { id: 'AwsSolutions-CFR1', reason: 'Buyers and agents sign in from any country a brand sells to; no geo restriction.' },
      { id: 'AwsSolutions-CFR2', reason: 'Static files only, no secrets or server logic behind this distribution; the APIs have their own throttles.' },
      { id: 'AwsSolutions-CFR4', reason: 'The default *.cloudfront.net certificate fixes the viewer TLS policy; a custom domain with TLSv1.2_2021 comes with a certificate.' },
    );
    this.url = `https://${this.distribution.distributionDomainName}/app/`;

    new s3deploy.BucketDeployment(this, 'Deploy', {
      destinationBucket: this.bucket,
      destinationKeyPrefix: 'app/',
      sources: [
        webBundle(props.repoRoot),
        // Deploy-time values (tokens) resolved into the file by the deployment's custom resource.
        s3deploy.Source.jsonData('config.json', {
          signIn: 'cognito',
          // '' = the page's own origin: the distribution forwards /v1/* to the HTTP API.
          httpUrl: '',
          wsUrl: props.wsUrl,
          cognito: { domain: props.signIn.hostedUiDomain, clientId: props.signIn.clientId, redirectUri: this.url, scopes: ['openid', 'profile'] },
        }),
      ],
      // Revalidated on every load (ETags make that cheap): a new bundle or config is live after the invalidation.
      cacheControl: [s3deploy.CacheControl.noCache()],
      distribution: this.distribution,
      distributionPaths: ['/*'],
      memoryLimit: 512,
    });
    this.acknowledgeDeploymentHandler();
  }

  /**
   * The deployment's singleton Lambda is aws-cdk-lib's own (its runtime, role and managed policy are
   * set there); acknowledged on that function only, finding by finding (cdk-nag matches them exactly).
   */
  private acknowledgeDeploymentHandler(): void {
    const stack = Stack.of(this);
    const printed = (value: string) => (Token.isUnresolved(value) ? `<${value === stack.account ? 'AWS::AccountId' : 'AWS::Region'}>` : value);
    const qualifier = (stack.synthesizer as { bootstrapQualifier?: string }).bootstrapQualifier ?? DefaultStackSynthesizer.DEFAULT_QUALIFIER;
    const assetBucket = `arn:<AWS::Partition>:s3:::cdk-${qualifier}-assets-${printed(stack.account)}-${printed(stack.region)}/*`;
    const ownBucket = `<${stack.getLogicalId(this.bucket.node.defaultChild as CfnElement)}.Arn>/*`;
    const wildcards = ['Action::s3:GetObject*', 'Action::s3:GetBucket*', 'Action::s3:List*', 'Action::s3:DeleteObject*', 'Action::s3:Abort*', `Resource::${assetBucket}`, `Resource::${ownBucket}`];
    for (const child of stack.node.children.filter((c) => c.node.id.startsWith('Custom::CDKBucketDeployment'))) {
      Validations.of(child).acknowledge(
        { id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]', reason: "aws-cdk-lib's BucketDeployment handler logs with the basic execution role." },
        // "*" is CloudFront's CreateInvalidation/GetInvalidation, which take no resource-level permission.
        { id: 'AwsSolutions-IAM5[Resource::*]', reason: 'CloudFront invalidation actions support no resource-level permissions.' },
        { id: 'AwsSolutions-L1', reason: "The BucketDeployment handler's runtime is pinned by aws-cdk-lib, upgraded with it." },
        ...wildcards.map((finding) => ({ id: `AwsSolutions-IAM5[${finding}]`, reason: 'BucketDeployment copies its whole asset into this bucket: object wildcards on the asset and site buckets only.' })),
      );
    }
  }
}

/** Scripts, styles and fonts from the app itself; network only to the region's two APIs and the sign-in domain. */
function contentSecurityPolicy(props: WebHostingProps): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "font-src 'self'",
    "img-src 'self' data:",
    `connect-src 'self' ${props.httpUrl} ${props.wsUrl} ${props.signIn.hostedUiDomain}`,
    "base-uri 'none'",
    "form-action 'self'",
    "object-src 'none'",
    // The buyer widget lives in a shop's https page.
    'frame-ancestors https:',
  ].join('; ');
}

/**
 * The built web/ as an asset: bundled at synth by running web/build.ts (esbuild, offline) into the
 * asset's folder. Tests synthesize with `aws:cdk:bundling-stacks: []` (as for the functions), and CDK
 * then stages the source folder without building.
 */
function webBundle(repoRoot: string): s3deploy.ISource {
  const webDir = path.join(repoRoot, 'web');
  return s3deploy.Source.asset(webDir, {
    exclude: ['dist', 'node_modules'],
    bundling: {
      // Never used: the local build always succeeds or fails the synth (no Docker fallback).
      image: DockerImage.fromRegistry('public.ecr.aws/docker/library/node:22-alpine'),
      local: {
        tryBundle(outputDir) {
          // --import resolves `tsx` from the cwd: the repository's own devDependency.
          execFileSync(process.execPath, ['--import', 'tsx', path.join(webDir, 'build.ts'), '--out', outputDir], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'inherit'] });
          return true;
        },
      },
    },
  });
}
