import { once } from 'node:events';
import { WebSocket, WebSocketServer } from 'ws';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { localCredentials, localRegion } from '../infra/local/engines';

/**
 * What this machine can do at all, measured in the same run as kefu, so kefu's throughput is quoted as
 * a ratio to these ceilings rather than as an absolute number on a shared, noisy 2-core machine.
 */
export interface Ceilings {
  /** Plain PutItems of a message-sized item, `inFlight` at a time, against the same DynamoDB Local. */
  dynamoWritesPerSecond: number;
  /** Round trips per second of a raw `ws` echo server and client, `inFlight` at a time, no handlers. */
  wsEchoRoundTripsPerSecond: number;
}

export async function measureDynamoWriteRate(endpoint: string, tableName: string, seconds = 3, inFlight = 32): Promise<number> {
  const client = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint, region: localRegion, credentials: localCredentials }));
  const text = '亲，这款面霜适合干皮吗？'.repeat(4);
  let done = 0;
  const deadline = Date.now() + seconds * 1000;
  const started = Date.now();
  await Promise.all(
    Array.from({ length: inFlight }, async (_, worker) => {
      let i = 0;
      while (Date.now() < deadline) {
        await client.send(
          new PutCommand({
            TableName: tableName,
            Item: { pk: `BENCH#ceiling#${worker}`, sk: `MSG#${String(i++).padStart(12, '0')}`, text, createdAt: new Date().toISOString() },
          }),
        );
        done++;
      }
    }),
  );
  client.destroy();
  return done / ((Date.now() - started) / 1000);
}

export async function measureWsEchoRate(seconds = 3, inFlight = 32): Promise<number> {
  const server = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  server.on('connection', (socket) => socket.on('message', (data) => socket.send(data)));
  await once(server, 'listening');
  const port = (server.address() as { port: number }).port;
  const socket = new WebSocket(`ws://127.0.0.1:${port}`);
  await once(socket, 'open');
  let done = 0;
  const deadline = Date.now() + seconds * 1000;
  const started = Date.now();
  await new Promise<void>((resolve) => {
    let outstanding = 0;
    const sendOne = () => {
      outstanding++;
      socket.send(JSON.stringify({ action: 'echo', text: '亲，在吗？', at: Date.now() }));
    };
    socket.on('message', () => {
      done++;
      outstanding--;
      if (Date.now() < deadline) sendOne();
      else if (outstanding === 0) resolve();
    });
    for (let i = 0; i < inFlight; i++) sendOne();
  });
  const elapsed = (Date.now() - started) / 1000;
  socket.close();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return done / elapsed;
}
