import { describe, expect, it } from 'vitest';
import {
  SANDBOX_ACCOUNT,
  activeCapacity,
  consumerMaxConcurrency,
  regionSchema,
  selectRegions,
  type RegionConfig,
} from '../../infra/config/regions';

/** The checked-in region config: no synthesis here, only the rules a config change must keep. */
describe('region config', () => {
  const regions = selectRegions();
  const prod = regions.find((region) => region.stage === 'prod')!;

  it('configures at least two regions, with unique names, and at least one prod', () => {
    expect(regions.length).toBeGreaterThanOrEqual(2);
    expect(new Set(regions.map((region) => region.name)).size).toBe(regions.length);
    expect(prod).toBeDefined();
  });

  it('selects one region by name and names the known ones for a typo', () => {
    expect(selectRegions(prod.name)).toEqual([prod]);
    expect(() => selectRegions('mars-1-prod')).toThrow(new RegExp(`unknown region "mars-1-prod"; configured: .*${prod.name}`));
  });

  it('uses the preset of the configured capacity mode', () => {
    expect(activeCapacity({ ...prod, capacityMode: 'promo' })).toBe(prod.capacity.promo);
    expect(activeCapacity({ ...prod, capacityMode: 'normal' })).toBe(prod.capacity.normal);
  });

  it('scales a consumer’s manifest concurrency by the preset, within what Lambda accepts', () => {
    const preset = (consumerConcurrencyScale: number) => ({ ...prod.capacity.normal, consumerConcurrencyScale });
    expect(consumerMaxConcurrency(10, preset(1))).toBe(10);
    expect(consumerMaxConcurrency(10, preset(5))).toBe(50);
    expect(consumerMaxConcurrency(10, preset(0.2))).toBe(2);
    expect(consumerMaxConcurrency(5, preset(0.2))).toBe(2);
    expect(consumerMaxConcurrency(400, preset(5))).toBe(1000);
  });

  it('gives consumers more room in promo mode than in normal mode, everywhere', () => {
    for (const region of regions) {
      expect(region.capacity.promo.consumerConcurrencyScale, region.name).toBeGreaterThan(region.capacity.normal.consumerConcurrencyScale);
      expect(region.capacity.promo.apiRateLimit, region.name).toBeGreaterThanOrEqual(region.capacity.normal.apiRateLimit);
    }
  });

  const refused: [string, (region: RegionConfig) => unknown][] = [
    ['a prod region on the sandbox account', (region) => ({ ...region, account: SANDBOX_ACCOUNT })],
    ['a prod region trusting a non-Cognito issuer', (region) => ({ ...region, jwt: { ...region.jwt, issuer: 'https://example.com' } })],
    ['a JWKS URI that is not the pool’s', (region) => ({ ...region, jwt: { ...region.jwt, jwksUri: 'https://example.com/jwks.json' } })],
    ['a name that is not <awsRegion>-<stage>', (region) => ({ ...region, name: 'singapore' })],
    ['a malformed alarm e-mail', (region) => ({ ...region, alarmEmail: 'oncall' })],
    [
      'a burst limit below the rate limit',
      (region) => ({ ...region, capacity: { ...region.capacity, promo: { ...region.capacity.promo, apiBurstLimit: 1 } } }),
    ],
  ];

  it.each(refused)('refuses %s', (_name, mutate) => {
    expect(regionSchema.safeParse(prod).success).toBe(true);
    expect(regionSchema.safeParse(mutate(prod)).success).toBe(false);
  });
});
