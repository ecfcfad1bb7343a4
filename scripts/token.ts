/**
 * npm run -s token -- --tenant <id> --user <id> --role <buyer|agent|supervisor|admin|ops> [--shops a,b] [--ttl 1h]
 *                     [--name <display name>] [--port <HTTP port>] [--json]
 *
 * Prints an access token for any user, signed with the local issuer's key that `npm start` keeps in the
 * data folder (KEFU_DATA_DIR, default .local-data/), so it works against the running stack. The token goes
 * to stdout alone (TOKEN=$(npm run -s token -- …)); --json prints it with its claims and expiry.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { mintLocalToken, mintOptionsSchema, parseTtl } from '../infra/local/dev-tokens';

const usage =
  'usage: npm run -s token -- --tenant <id> --user <id> --role <buyer|agent|supervisor|admin|ops> [--shops a,b] [--ttl 1h] [--name <name>] [--port <http port>] [--json]';

export async function tokenCommand(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ code: number; out: string; err: string }> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        tenant: { type: 'string' },
        user: { type: 'string' },
        role: { type: 'string' },
        shops: { type: 'string' },
        ttl: { type: 'string', default: '12h' },
        name: { type: 'string' },
        port: { type: 'string' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (error) {
    return { code: 2, out: '', err: `${(error as Error).message}\n${usage}\n` };
  }
  if (values.help) return { code: 0, out: `${usage}\n`, err: '' };

  const ttlSeconds = parseTtl(values.ttl);
  const parsed = mintOptionsSchema.safeParse({
    tenant: values.tenant,
    user: values.user,
    role: values.role,
    shops: (values.shops ?? '').split(',').map((shop) => shop.trim()).filter(Boolean),
    ttlSeconds: ttlSeconds ?? Number.NaN,
    name: values.name,
  });
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const field = issue.path[0] === 'ttlSeconds' ? 'ttl' : String(issue.path[0] ?? '');
      const hint = field === 'ttl' ? 'a duration from 1s to 30d, e.g. 90s, 30m, 1h, 7d' : issue.message;
      return `--${field}: ${hint}`;
    });
    return { code: 2, out: '', err: `${problems.join('\n')}\n${usage}\n` };
  }
  const rawPort = values.port ?? env.PORT;
  const port = rawPort === undefined || rawPort === '' ? undefined : Number(rawPort);
  if (port !== undefined && (!Number.isInteger(port) || port < 1 || port > 65535)) return { code: 2, out: '', err: `--port: ${rawPort} is not a port\n` };

  try {
    const minted = await mintLocalToken(parsed.data, { dataDir: env.KEFU_DATA_DIR || undefined, port });
    if (!values.json) return { code: 0, out: `${minted.token}\n`, err: '' };
    const { tenant, user, role, shops } = parsed.data;
    const out = { token: minted.token, tenantId: tenant, userId: user, role, shopIds: shops, issuer: minted.issuer, expiresAt: minted.expiresAt.toISOString() };
    return { code: 0, out: `${JSON.stringify(out, null, 2)}\n`, err: '' };
  } catch (error) {
    return { code: 1, out: '', err: `${(error as Error).message}\n` };
  }
}

// Run as a command (not imported by its test).
if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  const result = await tokenCommand(process.argv.slice(2));
  process.stdout.write(result.out);
  process.stderr.write(result.err);
  process.exitCode = result.code;
}
