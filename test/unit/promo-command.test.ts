import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { promoCommand } from '../../scripts/promo';

const example = 'docs/examples/double-11-promo.json';

describe('npm run promo -- plan (the dry run)', () => {
  it('lists every switch in time order with its cost, marks warm throughput irreversible, and changes nothing', async () => {
    const result = await promoCommand(['plan', '--promo', 'double-11-2027', '--file', example]);
    expect(result.code).toBe(0);
    expect(result.out).toContain('nothing changed');
    const lines = result.out.split('\n').filter((line) => /^\d{4}-/.test(line));
    expect(lines.map((line) => line.slice(0, 24))).toEqual([...lines.map((line) => line.slice(0, 24))].sort());
    const warm = lines.filter((line) => line.includes('warm-throughput'));
    expect(warm).toEqual([expect.stringContaining('IRREVERSIBLE raise warm throughput (table 6000 WRU/s, 12000 RRU/s')]);
    // Warm throughput a day before the 11-11 00:00 (Asia/Shanghai) peak; provisioned concurrency an hour before.
    expect(warm[0]!.startsWith('2027-11-09T16:00:00.000Z')).toBe(true);
    expect(lines).toContainEqual(expect.stringMatching(/^2027-11-10T15:00:00.000Z  peak .*"promo" preset \(200 instances in all\)/));
    expect(result.out).toContain('≈ US$3.60 for 3.0 h (200 × 0.5 GB');
    // The promo quick-reply set is a routing switch of the phases that name it, and only of those.
    const routing = lines.filter((line) => line.includes(' routing '));
    expect(routing.filter((line) => line.includes('quick replies tagged "double11" sent instead of the everyday ones')).map((line) => line.slice(26, 36).trim())).toEqual(['peak', 'sustained']);
    expect(routing.find((line) => line.includes(' tail '))).not.toContain('double11');
  });

  it('refuses a calendar with overlapping phases, naming the field, before anything is sent', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kefu-promo-'));
    const file = join(dir, 'bad.json');
    await writeFile(
      file,
      JSON.stringify({
        name: 'x',
        zone: 'Asia/Shanghai',
        shopIds: ['s1'],
        phases: [
          { phaseId: 'a', kind: 'peak', startsAt: '2099-11-11T00:00', endsAt: '2099-11-11T02:00' },
          { phaseId: 'b', kind: 'sustained', startsAt: '2099-11-11T01:00', endsAt: '2099-11-12T00:00' },
        ],
      }),
    );
    const result = await promoCommand(['plan', '--promo', 'x', '--file', file]);
    expect(result).toMatchObject({ code: 1, out: '' });
    expect(result.err).toBe('body.phases.1.startsAt: overlaps phase a\n');
  });

  it('asks before saving and saves nothing on "no"', async () => {
    const calls: string[] = [];
    const server = await import('node:http').then(({ createServer }) =>
      createServer((req, res) => {
        calls.push(`${req.method} ${req.url}`);
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ plan: [], dryRun: true }));
      }),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    try {
      const result = await promoCommand(['apply', '--promo', 'double-11-2027', '--file', example, '--url', `http://127.0.0.1:${port}`, '--token', 't'], {}, async () => false);
      expect(result).toMatchObject({ code: 1, err: 'not saved\n' });
      expect(calls).toEqual(['PUT /v1/promos/double-11-2027?dryRun=true']);
    } finally {
      server.close();
    }
  });
});
