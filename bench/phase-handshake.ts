import type { MessagePort } from 'node:worker_threads';

/**
 * A load generator's side of the phase handshake with the bench thread: post a phase message and wait
 * until the bench thread acknowledges it (it resets or snapshots the meters in between), so each phase's
 * units are counted from the moment the generator starts it. One per worker: it listens on the port.
 */
export function phaseHandshake<Message extends { kind: 'phase'; id: number }>(port: MessagePort): (message: Omit<Message, 'id'>) => Promise<void> {
  let lastId = 0;
  const waiters = new Map<number, () => void>();
  port.on('message', (message: { kind: string; id: number }) => {
    if (message.kind !== 'ack') return;
    waiters.get(message.id)?.();
    waiters.delete(message.id);
  });
  return (message) =>
    new Promise((resolve) => {
      const id = ++lastId;
      waiters.set(id, resolve);
      port.postMessage({ ...message, id });
    });
}
