import { beforeEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
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
  UsernameExistsException,
  UserNotFoundException,
} from '@aws-sdk/client-cognito-identity-provider';
import { identityFromClaims } from '../../shared/auth/identity';
import { cognitoUserDirectory } from '../../shared/people/cognito-user-directory';
import type { User } from '../../shared/people/user';
import { directorySteps, directoryUsername, syncUserChange } from '../../shared/people/user-directory';
import { LocalUserPool } from '../../infra/local/user-pool';

/**
 * Staff accounts into the identity provider (issue 12 §2): which directory operations each account change
 * needs, the exact Cognito admin commands they become (aws-sdk-client-mock), idempotent replays (row 9:
 * a redelivered stream record changes nothing twice) and the claims a pool user's token carries.
 */
const cognito = mockClient(CognitoIdentityProviderClient);
const pool = 'ap-southeast-1_Staff';
const user = (overrides: Partial<User> = {}): User => ({
  userId: 'wu',
  name: '小吴',
  email: 'wu@yunke.example',
  role: 'agent',
  shopIds: ['tea', 'silk'],
  status: 'active',
  version: 1,
  createdAt: '2026-12-01T00:00:00.000Z',
  createdBy: 'boss',
  updatedAt: '2026-12-01T00:00:00.000Z',
  ...overrides,
});
const item = (u: User) => ({ pk: 'T#spring#USERS', sk: `USER#${u.userId}`, entity: 'User', ...u });
const change = (before: User | undefined, after: User) => ({ tenantId: 'spring', oldImage: before ? item(before) : undefined, newImage: item(after) });
/** The stream's REMOVE record of an account: the old image only. */
const removal = (u: User, tenantId = 'spring') => ({ tenantId, oldImage: { ...item(u), pk: `T#${tenantId}#USERS` }, newImage: undefined });
const poolUser = (tenantId: string, userId: string) => ({
  Username: `${tenantId}.${userId}`,
  UserAttributes: [{ Name: 'custom:tenant_id', Value: tenantId }, { Name: 'custom:user_id', Value: userId }],
  $metadata: {},
});
const inputs = <T>(command: new (input: T) => unknown) => cognito.commandCalls(command as never).map((call) => call.args[0].input);

beforeEach(() => cognito.reset());

describe('directorySteps', () => {
  it('creates a new account with its role group; a disabled one is created disabled', () => {
    expect(directorySteps('spring', undefined, user()).map((s) => s.op)).toEqual(['create', 'addToGroup']);
    expect(directorySteps('spring', undefined, user({ status: 'disabled' }))).toContainEqual(expect.objectContaining({ op: 'create', disabled: true }));
  });

  it('re-roling moves the group, rewrites the attributes and signs the user out; a rename only rewrites the attributes', () => {
    expect(directorySteps('spring', user(), user({ role: 'supervisor', version: 2 }))).toEqual([
      { op: 'updateAttributes', account: expect.objectContaining({ role: 'supervisor' }) },
      { op: 'removeFromGroup', role: 'agent' },
      { op: 'addToGroup', role: 'supervisor' },
      { op: 'signOut' },
    ]);
    expect(directorySteps('spring', user(), user({ shopIds: ['silk', 'tea'], version: 2 }))).toEqual([]);
    expect(directorySteps('spring', user(), user({ shopIds: ['tea'], version: 2 })).map((s) => s.op)).toEqual(['updateAttributes', 'signOut']);
    expect(directorySteps('spring', user(), user({ name: '吴', version: 2 })).map((s) => s.op)).toEqual(['updateAttributes']);
  });

  it('disabling disables and signs out; enabling enables; a bare version bump sends nothing', () => {
    expect(directorySteps('spring', user(), user({ status: 'disabled', version: 2 })).map((s) => s.op)).toEqual(['disableUser', 'signOut']);
    expect(directorySteps('spring', user({ status: 'disabled' }), user({ version: 2 })).map((s) => s.op)).toEqual(['enableUser']);
    expect(directorySteps('spring', user(), user({ version: 2, updatedAt: 'later' }))).toEqual([]);
  });

  it('names a pool user by tenant and id, and never lets two ids differing in case share a username', () => {
    expect(directoryUsername('spring', 'wu')).toBe('spring.wu');
    const capital = directoryUsername('spring', 'Wu');
    expect(capital).toMatch(/^spring\.wu\.[0-9a-f]{8}$/);
    expect(capital.toLowerCase()).not.toBe(directoryUsername('spring', 'wu').toLowerCase());
    expect(capital).not.toBe(directoryUsername('spring', 'WU'));
  });
});

describe('the Cognito user directory (exact admin commands)', () => {
  const directory = () => cognitoUserDirectory(pool, new CognitoIdentityProviderClient({ region: 'ap-southeast-1' }));

  it('an invite is AdminCreateUser with the tenant, user, role and shops attributes (Cognito mails the invitation), then the role group', async () => {
    await syncUserChange(change(undefined, user()), directory());
    expect(inputs(AdminCreateUserCommand)).toEqual([
      {
        UserPoolId: pool,
        Username: 'spring.wu',
        UserAttributes: [
          { Name: 'custom:tenant_id', Value: 'spring' },
          { Name: 'custom:user_id', Value: 'wu' },
          { Name: 'name', Value: '小吴' },
          { Name: 'custom:role', Value: 'agent' },
          { Name: 'custom:shop_ids', Value: 'tea,silk' },
          { Name: 'email', Value: 'wu@yunke.example' },
          { Name: 'email_verified', Value: 'true' },
        ],
        DesiredDeliveryMediums: ['EMAIL'],
      },
    ]);
    expect(inputs(AdminAddUserToGroupCommand)).toEqual([{ UserPoolId: pool, Username: 'spring.wu', GroupName: 'agent' }]);
    expect(cognito.calls()).toHaveLength(2);
  });

  it('an account without an email is created without a message (nothing to mail it to)', async () => {
    await syncUserChange(change(undefined, user({ email: undefined })), directory());
    expect(inputs(AdminCreateUserCommand)[0]).toMatchObject({ MessageAction: 'SUPPRESS' });
    expect(inputs(AdminCreateUserCommand)[0]).not.toHaveProperty('DesiredDeliveryMediums');
  });

  it('a replayed invite whose user exists is a success: the attributes are written again, nothing else created (row 9)', async () => {
    cognito.on(AdminCreateUserCommand).rejects(new UsernameExistsException({ message: 'exists', $metadata: {} }));
    cognito.on(AdminGetUserCommand).resolves({ Username: 'spring.wu', UserAttributes: [{ Name: 'custom:tenant_id', Value: 'spring' }, { Name: 'custom:user_id', Value: 'wu' }] });
    expect(await syncUserChange(change(undefined, user()), directory())).toEqual([{ tenantId: 'spring', userId: 'wu', steps: ['create', 'addToGroup'] }]);
    expect(inputs(AdminUpdateUserAttributesCommand)).toEqual([
      { UserPoolId: pool, Username: 'spring.wu', UserAttributes: expect.arrayContaining([{ Name: 'custom:role', Value: 'agent' }, { Name: 'custom:shop_ids', Value: 'tea,silk' }]) },
    ]);
    expect(inputs(AdminAddUserToGroupCommand)).toHaveLength(1);
  });

  it('a username held by another account is left alone (no attribute written, no group)', async () => {
    cognito.on(AdminCreateUserCommand).rejects(new UsernameExistsException({ message: 'exists', $metadata: {} }));
    cognito.on(AdminGetUserCommand).resolves({ Username: 'spring.wu', UserAttributes: [{ Name: 'custom:tenant_id', Value: 'other' }, { Name: 'custom:user_id', Value: 'wu' }] });
    expect(await syncUserChange(change(undefined, user()), directory())).toEqual([expect.objectContaining({ conflict: true })]);
    expect(inputs(AdminUpdateUserAttributesCommand)).toEqual([]);
    expect(inputs(AdminAddUserToGroupCommand)).toEqual([]);
  });

  it('a re-role is AdminUpdateUserAttributes, the group moved, and AdminUserGlobalSignOut', async () => {
    await syncUserChange(change(user(), user({ role: 'supervisor', shopIds: ['tea'], version: 2 })), directory());
    const target = { UserPoolId: pool, Username: 'spring.wu' };
    expect(inputs(AdminUpdateUserAttributesCommand)).toEqual([
      {
        ...target,
        UserAttributes: [
          { Name: 'name', Value: '小吴' },
          { Name: 'custom:role', Value: 'supervisor' },
          { Name: 'custom:shop_ids', Value: 'tea' },
          { Name: 'email', Value: 'wu@yunke.example' },
          { Name: 'email_verified', Value: 'true' },
        ],
      },
    ]);
    expect(inputs(AdminRemoveUserFromGroupCommand)).toEqual([{ ...target, GroupName: 'agent' }]);
    expect(inputs(AdminAddUserToGroupCommand)).toEqual([{ ...target, GroupName: 'supervisor' }]);
    expect(inputs(AdminUserGlobalSignOutCommand)).toEqual([target]);
  });

  it('a disable is AdminDisableUser then AdminUserGlobalSignOut; an enable is AdminEnableUser alone', async () => {
    await syncUserChange(change(user(), user({ status: 'disabled', version: 2 })), directory());
    expect(cognito.calls().map((call) => call.args[0].constructor.name)).toEqual(['AdminDisableUserCommand', 'AdminUserGlobalSignOutCommand']);
    expect(inputs(AdminDisableUserCommand)).toEqual([{ UserPoolId: pool, Username: 'spring.wu' }]);
    cognito.reset();
    await syncUserChange(change(user({ status: 'disabled', version: 2 }), user({ version: 3 })), directory());
    expect(cognito.calls().map((call) => call.args[0].constructor.name)).toEqual(['AdminEnableUserCommand']);
    expect(inputs(AdminEnableUserCommand)).toEqual([{ UserPoolId: pool, Username: 'spring.wu' }]);
  });

  it('a user missing from the pool (its creation lost, or older than the directory) is created as the account is now, disabled if it is', async () => {
    cognito.on(AdminDisableUserCommand).rejectsOnce(new UserNotFoundException({ message: 'no user', $metadata: {} })).resolves({});
    expect(await syncUserChange(change(user(), user({ status: 'disabled', version: 2 })), directory())).toEqual([expect.objectContaining({ recreated: true })]);
    expect(inputs(AdminCreateUserCommand)).toEqual([expect.objectContaining({ Username: 'spring.wu', MessageAction: 'SUPPRESS' })]);
    expect(inputs(AdminDisableUserCommand)).toHaveLength(2); // the one that found no user, then the new user's
  });

  it('a throttled or failing call is thrown, so the stream retries the record and finally dead-letters it', async () => {
    cognito.on(AdminDisableUserCommand).rejects(Object.assign(new Error('slow down'), { name: 'TooManyRequestsException' }));
    await expect(syncUserChange(change(user(), user({ status: 'disabled', version: 2 })), directory())).rejects.toThrow('slow down');
  });

  it('ignores items that are not accounts, and sends nothing for a change it need not tell', async () => {
    expect(await syncUserChange({ tenantId: 'spring', newImage: { pk: 'T#spring#USERS', sk: 'SEATS', entity: 'SeatCount', used: 3 } }, directory())).toEqual([]);
    expect(await syncUserChange(change(user(), user({ version: 2 })), directory())).toEqual([]);
    expect(cognito.calls()).toHaveLength(0);
  });
});

describe('a deleted account (the tenant purge) into the Cognito pool', () => {
  const cognitoDirectory = () => cognitoUserDirectory(pool, new CognitoIdentityProviderClient({ region: 'ap-southeast-1' }));

  it('a removed User item is AdminGetUser (is it this account\'s?) then AdminDeleteUser of exactly its username', async () => {
    cognito.on(AdminGetUserCommand).resolves(poolUser('spring', 'wu'));
    expect(await syncUserChange(removal(user()), cognitoDirectory())).toEqual([{ tenantId: 'spring', userId: 'wu', steps: ['deleteUser'] }]);
    expect(cognito.calls().map((call) => call.args[0].constructor.name)).toEqual(['AdminGetUserCommand', 'AdminDeleteUserCommand']);
    expect(inputs(AdminDeleteUserCommand)).toEqual([{ UserPoolId: pool, Username: 'spring.wu' }]);
  });

  it('a user already gone is done (a replayed record, row 3): nothing is deleted, nothing re-created', async () => {
    cognito.on(AdminGetUserCommand).rejects(new UserNotFoundException({ message: 'no user', $metadata: {} }));
    expect(await syncUserChange(removal(user()), cognitoDirectory())).toEqual([{ tenantId: 'spring', userId: 'wu', steps: ['deleteUser'] }]);
    cognito.reset();
    cognito.on(AdminGetUserCommand).resolves(poolUser('spring', 'wu'));
    cognito.on(AdminDeleteUserCommand).rejects(new UserNotFoundException({ message: 'gone meanwhile', $metadata: {} }));
    await syncUserChange(removal(user()), cognitoDirectory());
    expect(inputs(AdminCreateUserCommand)).toEqual([]);
  });

  it("never deletes a pool user that is another tenant's account under the same username (row 14)", async () => {
    cognito.on(AdminGetUserCommand).resolves(poolUser('summer', 'wu'));
    expect(await syncUserChange(removal(user()), cognitoDirectory())).toEqual([expect.objectContaining({ conflict: true })]);
    expect(inputs(AdminDeleteUserCommand)).toEqual([]);
  });

  it('an ordinary disable never deletes; a removed item that is not an account sends nothing', async () => {
    await syncUserChange(change(user(), user({ status: 'disabled', version: 2 })), cognitoDirectory());
    expect(inputs(AdminDeleteUserCommand)).toEqual([]);
    expect(await syncUserChange({ tenantId: 'spring', oldImage: { pk: 'T#spring#USERS', sk: 'SEATS', entity: 'SeatCount', used: 3 }, newImage: undefined }, cognitoDirectory())).toEqual([]);
    expect(cognito.commandCalls(AdminDeleteUserCommand)).toHaveLength(0);
  });

  it('a throttled delete is thrown, so the stream retries the record', async () => {
    cognito.on(AdminGetUserCommand).resolves(poolUser('spring', 'wu'));
    cognito.on(AdminDeleteUserCommand).rejects(Object.assign(new Error('slow down'), { name: 'TooManyRequestsException' }));
    await expect(syncUserChange(removal(user()), cognitoDirectory())).rejects.toThrow('slow down');
  });
});

describe('the local pool (the dev issuer playing Cognito)', () => {
  it("deletes a removed account's user, only that tenant's, and takes a replay as done", async () => {
    const local = new LocalUserPool();
    await syncUserChange(change(undefined, user()), local);
    await syncUserChange({ ...change(undefined, user()), tenantId: 'summer' }, local);
    expect(await syncUserChange(removal(user()), local)).toEqual([{ tenantId: 'spring', userId: 'wu', steps: ['deleteUser'] }]);
    expect(local.get('spring', 'wu')).toBeUndefined();
    expect(local.get('summer', 'wu')).toBeDefined();
    expect(await syncUserChange(removal(user()), local)).toEqual([{ tenantId: 'spring', userId: 'wu', steps: ['deleteUser'] }]);
    await expect(local.signIn('spring', 'wu')).rejects.toThrow(/UserNotFound/);
  });

  it('follows the same changes: created in its group, re-roled, disabled (sign-in refused), enabled again', async () => {
    const local = new LocalUserPool();
    await syncUserChange(change(undefined, user()), local);
    expect(local.get('spring', 'wu')).toMatchObject({ enabled: true, groups: ['agent'], account: { role: 'agent', shopIds: ['tea', 'silk'] }, signOuts: 0 });
    await syncUserChange(change(undefined, user()), local); // replayed
    await syncUserChange(change(user(), user({ role: 'supervisor', version: 2 })), local);
    expect(local.get('spring', 'wu')).toMatchObject({ groups: ['supervisor'], account: { role: 'supervisor' }, signOuts: 1 });
    await syncUserChange(change(user({ role: 'supervisor', version: 2 }), user({ role: 'supervisor', status: 'disabled', version: 3 })), local);
    expect(local.get('spring', 'wu')).toMatchObject({ enabled: false, signOuts: 2 });
    await expect(local.signIn('spring', 'wu')).rejects.toThrow(/disabled/);
    expect(local.get('other', 'wu')).toBeUndefined();
  });
});

describe('claims of a pool user', () => {
  it("takes kefu's user id from the user_id claim (Cognito's sub is its own UUID), and from sub for the local issuer", () => {
    const claims = { sub: '3f1c2a9e-7d1b-4c55-9e0a-1b2c3d4e5f60', user_id: 'wu', tenant_id: 'spring', role: 'agent', shop_ids: 'tea,silk' };
    expect(identityFromClaims(claims)).toEqual({ tenantId: 'spring', userId: 'wu', role: 'agent', shopIds: ['tea', 'silk'] });
    const { user_id: _id, ...local } = claims;
    expect(identityFromClaims({ ...local, sub: 'wu' })?.userId).toBe('wu');
  });
});
