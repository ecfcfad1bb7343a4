export {};

/**
 * `npm run sim -- <command> [--flag value ...]`: drives the platform simulator of a running `npm start`
 * (SIM_URL, default http://127.0.0.1:3002). Prints the simulator's JSON answer.
 *
 *   shops                                              the simulated shops (platform, seller id, endpoint)
 *   place   --shop peach-glow --buyer buyer-taotao [--price 199] [--quantity 1] [--title 面霜] [--tenant demo-firm]
 *   pay | ship | sign | finish | cancel | fail | lose | rate   --order <orderId>
 *   refund  --order <orderId> [--kind refund-only|return|exchange] [--amount 99.5] [--deadline-hours 48]
 *   agree | refuse | return-goods | succeed | close-refund   --order <orderId> --refund <refundId> [--deadline-hours 72]
 *   show    --order <orderId>
 *   deliveries                                         the last webhooks and TMC messages and how kefu answered
 *   tmc                                                TMC messages waiting or leased, per seller
 */
const [commandName, ...rest] = process.argv.slice(2);
const flags: Record<string, string> = {};
for (let i = 0; i < rest.length; i += 2) {
  const name = rest[i]?.replace(/^--/, '');
  if (!name || rest[i + 1] === undefined) usage(`flag ${rest[i]} needs a value`);
  flags[name!.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase())] = rest[i + 1]!;
}
const base = (process.env.SIM_URL ?? 'http://127.0.0.1:3002').replace(/\/$/, '');

function usage(problem?: string): never {
  if (problem) console.error(problem);
  console.error('usage: npm run sim -- shops | place --shop S --buyer B | pay|ship|sign|finish|cancel|fail|lose|rate --order O | refund --order O [--kind K] [--deadline-hours H] | agree|refuse|return-goods|succeed|close-refund --order O --refund R | show --order O | deliveries | tmc');
  process.exit(2);
}

const need = (name: string) => flags[name] ?? usage(`--${name} is required`);
const number = (name: string) => (flags[name] === undefined ? undefined : Number(flags[name]));

async function main(): Promise<void> {
  let method = 'POST';
  let path: string;
  let body: Record<string, unknown> = {};
  switch (commandName) {
    case 'shops':
    case 'deliveries':
    case 'tmc':
      method = 'GET';
      path = `/sim/${commandName}`;
      break;
    case 'place':
      path = '/sim/orders';
      body = { shop: need('shop'), buyer: need('buyer'), tenant: flags.tenant, price: number('price'), quantity: number('quantity'), title: flags.title };
      break;
    case 'show':
      method = 'GET';
      path = `/sim/orders/${need('order')}`;
      break;
    case 'pay':
    case 'ship':
    case 'sign':
    case 'finish':
    case 'cancel':
    case 'fail':
    case 'lose':
    case 'rate':
      path = `/sim/orders/${need('order')}/${commandName}`;
      break;
    case 'refund':
      path = `/sim/orders/${need('order')}/refunds`;
      body = { kind: flags.kind, amount: number('amount'), deadlineHours: number('deadlineHours') };
      break;
    case 'agree':
    case 'refuse':
    case 'return-goods':
    case 'succeed':
    case 'close-refund':
      path = `/sim/orders/${need('order')}/refunds/${need('refund')}/${commandName === 'close-refund' ? 'close' : commandName}`;
      body = { deadlineHours: number('deadlineHours') };
      break;
    default:
      usage(commandName && commandName !== 'help' ? `unknown command ${commandName}` : undefined);
  }
  let response: Response;
  try {
    response = await fetch(`${base}${path}`, { method, headers: { 'content-type': 'application/json' }, ...(method === 'POST' ? { body: JSON.stringify(body) } : {}) });
  } catch {
    console.error(`no simulator at ${base}: is \`npm start\` running? (SIM_URL sets another address)`);
    process.exit(1);
  }
  const text = await response.text();
  console.log(text ? JSON.stringify(JSON.parse(text), null, 2) : '');
  if (!response.ok) process.exit(1);
}

await main();
