/**
 * npm run promo -- <command> [options]: promo mode from the terminal, through the HTTP API.
 *
 *   plan     --promo <id> --file promo.json [--region ap-southeast-1-prod]
 *            the dry run: checks the calendar, then lists every switch, when, what it costs and what is
 *            irreversible, with the region's preset figures from infra/config. Changes nothing.
 *   apply    --promo <id> --file promo.json [--yes]    dry run, then (after "yes", or --yes) saves it
 *   trigger  --promo <id> --phase <id>                 starts a phase now (a second trigger changes nothing)
 *   status   --promo <id>                              phases, routing in force, capacity desired vs actual
 *   staffing --promo <id> --file sales.json [--csv]    the staffing and capacity plan
 *
 * --url (default http://127.0.0.1:3000, the local stack) and --token (or KEFU_TOKEN): an ops or admin token,
 * e.g. TOKEN=$(npm run -s token -- --tenant demo-firm --user ops-li --role ops).
 */
import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline/promises';
import { parseArgs } from 'node:util';
import { selectRegions } from '../infra/config/regions';
import { actualCapacitySchema } from '../shared/promo/capacity';
import { checkPromo, putPromoBody } from '../shared/promo/calendar';
import { describeSwitches, type SwitchStep } from '../shared/promo/describe-switches';

const usage = 'usage: npm run promo -- <plan|apply|trigger|status|staffing> --promo <id> [--file f.json] [--phase id] [--region name] [--url u] [--token t] [--yes] [--csv]';

export async function promoCommand(argv: string[], env: NodeJS.ProcessEnv = process.env, confirm = askYes): Promise<{ code: number; out: string; err: string }> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        promo: { type: 'string' },
        file: { type: 'string' },
        phase: { type: 'string' },
        region: { type: 'string', default: 'ap-southeast-1-prod' },
        url: { type: 'string', default: 'http://127.0.0.1:3000' },
        token: { type: 'string' },
        yes: { type: 'boolean', default: false },
        csv: { type: 'boolean', default: false },
      },
    });
  } catch (error) {
    return { code: 2, out: '', err: `${(error as Error).message}\n${usage}\n` };
  }
  const { values, positionals } = parsed;
  const command = positionals[0];
  if (!command || !values.promo) return { code: 2, out: '', err: `${usage}\n` };
  const api = (method: string, path: string, body?: unknown) => call(values.url, values.token ?? env.KEFU_TOKEN, method, path, body);
  const base = `/v1/promos/${encodeURIComponent(values.promo)}`;

  switch (command) {
    case 'plan': {
      if (!values.file) return { code: 2, out: '', err: '--file is required\n' };
      const body = putPromoBody.safeParse(JSON.parse(await readFile(values.file, 'utf8')));
      if (!body.success) return { code: 1, out: '', err: body.error.issues.map((i) => `body.${i.path.join('.')}: ${i.message}`).join('\n') + '\n' };
      const { phases, problems } = checkPromo(body.data, new Date(), undefined);
      if (problems.length > 0) return { code: 1, out: '', err: problems.map((p) => `${p.field}: ${p.message}`).join('\n') + '\n' };
      const region = selectRegions(values.region)[0]!;
      const perAlias = (preset: 'normal' | 'promo') => region.capacity[preset].latencyCriticalProvisionedConcurrency ?? region.capacity[preset].interactiveProvisionedConcurrency;
      const figures = {
        provisionedConcurrencyPerAlias: { normal: perAlias('normal'), promo: perAlias('promo') },
        latencyCriticalAliases: region.promoControl.latencyCriticalFunctions.length,
      };
      const steps = describeSwitches({ phases, triggered: {} }, actualCapacitySchema.parse({ mode: 'send' }), figures);
      return { code: 0, out: `dry run for ${values.promo} in ${region.name} (nothing changed):\n${formatPlan(steps)}`, err: '' };
    }
    case 'apply': {
      if (!values.file) return { code: 2, out: '', err: '--file is required\n' };
      const body = JSON.parse(await readFile(values.file, 'utf8'));
      const dry = await api('PUT', `${base}?dryRun=true`, body);
      if (dry.status !== 200) return { code: 1, out: '', err: `${dry.status} ${dry.text}\n` };
      const plan = formatPlan((JSON.parse(dry.text) as { plan: SwitchStep[] }).plan);
      if (!values.yes && !(await confirm(`${plan}save this promo? (yes/no) `))) return { code: 1, out: plan, err: 'not saved\n' };
      const saved = await api('PUT', base, body);
      return saved.status === 200 ? { code: 0, out: `${plan}saved ${values.promo}\n`, err: '' } : { code: 1, out: plan, err: `${saved.status} ${saved.text}\n` };
    }
    case 'trigger': {
      if (!values.phase) return { code: 2, out: '', err: '--phase is required\n' };
      return answer(await api('POST', `${base}/phases/${encodeURIComponent(values.phase)}/trigger`));
    }
    case 'status':
      return answer(await api('GET', `${base}/status`));
    case 'staffing': {
      if (!values.file) return { code: 2, out: '', err: '--file is required\n' };
      return answer(await api('POST', `${base}/plan${values.csv ? '?format=csv' : ''}`, JSON.parse(await readFile(values.file, 'utf8'))));
    }
    default:
      return { code: 2, out: '', err: `unknown command ${command}\n${usage}\n` };
  }
}

/** One line per switch, in time order, irreversible ones marked. */
export function formatPlan(steps: readonly SwitchStep[]): string {
  return steps.map((s) => `${s.at}  ${s.phaseId.padEnd(10)} ${s.switch.padEnd(24)} ${s.irreversible ? 'IRREVERSIBLE ' : ''}${s.does}\n${' '.repeat(26)}cost: ${s.cost}\n`).join('');
}

async function call(url: string, token: string | undefined, method: string, path: string, body?: unknown) {
  const response = await fetch(new URL(path, url), {
    method,
    headers: { authorization: `Bearer ${token ?? ''}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, text: await response.text() };
}

function answer(response: { status: number; text: string }) {
  return response.status < 300 ? { code: 0, out: `${response.text}\n`, err: '' } : { code: 1, out: '', err: `${response.status} ${response.text}\n` };
}

async function askYes(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    return (await rl.question(question)).trim().toLowerCase() === 'yes';
  } finally {
    rl.close();
  }
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  const result = await promoCommand(process.argv.slice(2));
  process.stdout.write(result.out);
  process.stderr.write(result.err);
  process.exitCode = result.code;
}
