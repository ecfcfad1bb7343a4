import type { UserDirectory } from './user-directory';

/** The operations a local directory call may name: exactly the interface's. */
export const localDirectoryOps = ['createUser', 'updateAttributes', 'addToGroup', 'removeFromGroup', 'disableUser', 'enableUser', 'signOut', 'deleteUser'] as const;
export type LocalDirectoryOp = (typeof localDirectoryOps)[number];

/**
 * The local stack's user directory: the dev issuer's pool (infra/local/user-pool.ts), which the stack
 * serves at `/local-issuer/directory`. Each call is one POST `{op, args}` answered `{result}`, so the
 * stream consumer sends the same operations locally as it sends to Cognito in the cloud.
 */
export function localUserDirectory(url: string): UserDirectory {
  const call = async (op: LocalDirectoryOp, args: unknown[]) => {
    const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ op, args }) });
    if (!response.ok) throw new Error(`local user directory ${op}: ${response.status} ${await response.text()}`);
    return ((await response.json()) as { result: never }).result;
  };
  return Object.fromEntries(localDirectoryOps.map((op) => [op, (...args: unknown[]) => call(op, args)])) as unknown as UserDirectory;
}
