import { GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { dynamo } from '../runtime/clients';
import { env } from '../runtime/env';
import { keys } from './keys';

export interface TableProbe {
  status: 'ok' | 'down';
  latencyMs: number;
}

/** Longer than a healthy read ever takes; short enough that GET /health answers while the table is down. */
const probeTimeoutMs = 2000;

/**
 * Whether the table answers a read: one eventually consistent GetItem of a key that holds nothing
 * (0.5 RRU). Any failure, a timeout included, is `down`; the reason stays in the logs, not the report.
 *
 * @example
 * const { status } = await probeTable(); // 'ok' | 'down'
 */
export async function probeTable(client: DynamoDBDocumentClient = dynamo()): Promise<TableProbe> {
  const started = Date.now();
  try {
    await client.send(new GetCommand({ TableName: env().TABLE_NAME, Key: keys.healthProbe() }), { abortSignal: AbortSignal.timeout(probeTimeoutMs) });
    return { status: 'ok', latencyMs: Date.now() - started };
  } catch {
    return { status: 'down', latencyMs: Date.now() - started };
  }
}
