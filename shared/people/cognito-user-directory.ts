import {
  AdminAddUserToGroupCommand,
  AdminCreateUserCommand,
  AdminDeleteUserCommand,
  AdminDisableUserCommand,
  AdminEnableUserCommand,
  AdminGetUserCommand,
  AdminRemoveUserFromGroupCommand,
  AdminUpdateUserAttributesCommand,
  AdminUserGlobalSignOutCommand,
  CognitoIdentityProviderClient,
  type AttributeType,
} from '@aws-sdk/client-cognito-identity-provider';
import { directoryUsername, type DirectoryAccount, type DirectoryOutcome, type UserDirectory } from './user-directory';

/**
 * Every Admin* action the directory sends: the directory function's whole grant on the pool
 * (infra/app-stack.ts, access `directory:admin`), so the two lists cannot drift.
 */
export const cognitoDirectoryActions = [
  'AdminCreateUser',
  'AdminGetUser',
  'AdminUpdateUserAttributes',
  'AdminAddUserToGroup',
  'AdminRemoveUserFromGroup',
  'AdminDisableUser',
  'AdminEnableUser',
  'AdminUserGlobalSignOut',
  'AdminDeleteUser',
] as const;

/** Attributes kefu owns; the pre-token-generation trigger turns the custom ones into claims (infra/identity-stack.ts). */
function mutableAttributes(account: DirectoryAccount): AttributeType[] {
  return [
    { Name: 'name', Value: account.name },
    { Name: 'custom:role', Value: account.role },
    { Name: 'custom:shop_ids', Value: account.shopIds.join(',') },
    // The admin vouches for the address: Cognito mails the invitation and password resets there.
    ...(account.email ? [{ Name: 'email', Value: account.email }, { Name: 'email_verified', Value: 'true' }] : []),
  ];
}

const errorName = (error: unknown) => (error as { name?: string } | null)?.name;
/** The user is not in the pool: the caller creates it from the account (user-directory.ts). */
async function unlessMissing(send: () => Promise<unknown>): Promise<DirectoryOutcome> {
  try {
    await send();
    return 'done';
  } catch (error) {
    if (errorName(error) === 'UserNotFoundException') return 'missing';
    throw error;
  }
}

/**
 * The region's Cognito staff pool as kefu's user directory. The username is `<tenant>.<user>`; the
 * immutable `custom:tenant_id` and `custom:user_id` are what the claims `tenant_id` and `user_id` come
 * from. Throttling is retried by the SDK (adaptive mode), then by the stream (the record again).
 */
export function cognitoUserDirectory(userPoolId: string, client = new CognitoIdentityProviderClient({ retryMode: 'adaptive', maxAttempts: 6 })): UserDirectory {
  const pool = { UserPoolId: userPoolId };
  const user = (tenantId: string, userId: string) => ({ ...pool, Username: directoryUsername(tenantId, userId) });
  return {
    async createUser(account, options) {
      const target = user(account.tenantId, account.userId);
      try {
        await client.send(
          new AdminCreateUserCommand({
            ...target,
            UserAttributes: [{ Name: 'custom:tenant_id', Value: account.tenantId }, { Name: 'custom:user_id', Value: account.userId }, ...mutableAttributes(account)],
            // With an email Cognito mails the invitation (a temporary password); without one, or for an
            // account created disabled, nothing is sent (the admin resends it later: docs/onboarding.md).
            ...(account.email && !options.disabled ? { DesiredDeliveryMediums: ['EMAIL' as const] } : { MessageAction: 'SUPPRESS' as const }),
          }),
        );
      } catch (error) {
        if (errorName(error) !== 'UsernameExistsException') throw error;
        // Usernames are case-insensitive: the same name may be another tenant's or user's account.
        const existing = await client.send(new AdminGetUserCommand(target));
        const attribute = (name: string) => existing.UserAttributes?.find((a) => a.Name === name)?.Value;
        return attribute('custom:tenant_id') === account.tenantId && attribute('custom:user_id') === account.userId ? 'exists' : 'taken';
      }
      if (options.disabled) await client.send(new AdminDisableUserCommand(target));
      return 'created';
    },
    async deleteUser(tenantId, userId) {
      const target = user(tenantId, userId);
      // Read first: the pool is every tenant's, and only this account's user may go.
      let existing;
      try {
        existing = await client.send(new AdminGetUserCommand(target));
      } catch (error) {
        if (errorName(error) === 'UserNotFoundException') return 'missing';
        throw error;
      }
      const attribute = (name: string) => existing.UserAttributes?.find((a) => a.Name === name)?.Value;
      if (attribute('custom:tenant_id') !== tenantId || attribute('custom:user_id') !== userId) return 'taken';
      return unlessMissing(() => client.send(new AdminDeleteUserCommand(target)));
    },
    updateAttributes: (account) => unlessMissing(() => client.send(new AdminUpdateUserAttributesCommand({ ...user(account.tenantId, account.userId), UserAttributes: mutableAttributes(account) }))),
    addToGroup: (tenantId, userId, role) => unlessMissing(() => client.send(new AdminAddUserToGroupCommand({ ...user(tenantId, userId), GroupName: role }))),
    removeFromGroup: (tenantId, userId, role) => unlessMissing(() => client.send(new AdminRemoveUserFromGroupCommand({ ...user(tenantId, userId), GroupName: role }))),
    disableUser: (tenantId, userId) => unlessMissing(() => client.send(new AdminDisableUserCommand(user(tenantId, userId)))),
    enableUser: (tenantId, userId) => unlessMissing(() => client.send(new AdminEnableUserCommand(user(tenantId, userId)))),
    signOut: (tenantId, userId) => unlessMissing(() => client.send(new AdminUserGlobalSignOutCommand(user(tenantId, userId)))),
  };
}
