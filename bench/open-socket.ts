import WebSocket from 'ws';

/**
 * Opens a kefu WebSocket the way a client does: a single-use ticket from POST /v1/connect-tickets, then
 * `ws://…/?ticket=…`. Rejects on a refused ticket or upgrade, or after 15 s. Shared by the load generators.
 */
export async function openKefuSocket(urls: { httpUrl: string; wsUrl: string }, token: string): Promise<WebSocket> {
  const response = await fetch(`${urls.httpUrl}/v1/connect-tickets`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
  if (response.status !== 201) throw new Error(`connect ticket: HTTP ${response.status} ${await response.text()}`);
  const { ticket } = (await response.json()) as { ticket: string };
  const socket = new WebSocket(`${urls.wsUrl}/?ticket=${encodeURIComponent(ticket)}`, { perMessageDeflate: false });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('WebSocket open timed out')), 15_000);
    socket.once('open', () => (clearTimeout(timer), resolve()));
    socket.once('unexpected-response', (_req, res) => (clearTimeout(timer), reject(new Error(`upgrade refused: ${res.statusCode}`))));
    socket.once('error', (error) => (clearTimeout(timer), reject(error)));
  });
  return socket;
}
