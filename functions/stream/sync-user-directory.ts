import { oneChangeAtATime, streamConsumer } from '../../shared/middleware/stream-consumer';
import { cognitoUserDirectory } from '../../shared/people/cognito-user-directory';
import { localUserDirectory } from '../../shared/people/local-user-directory';
import { syncUserChange, type UserDirectory } from '../../shared/people/user-directory';
import { env } from '../../shared/runtime/env';

/**
 * Staff accounts into the identity provider (issue 12 §2, docs/onboarding.md "The cloud user pool"):
 * each changed user item becomes the directory operations it needs, in the order the items changed.
 * The region's Cognito pool in the cloud (USER_POOL_ID), the dev issuer's pool locally.
 */
let directory: UserDirectory | undefined;
function userDirectory(): UserDirectory {
  if (!directory) {
    const { USER_POOL_ID, LOCAL_USER_DIRECTORY_URL } = env();
    if (USER_POOL_ID) directory = cognitoUserDirectory(USER_POOL_ID);
    else if (LOCAL_USER_DIRECTORY_URL) directory = localUserDirectory(LOCAL_USER_DIRECTORY_URL);
    else throw new Error('handler environment names no user directory: USER_POOL_ID or LOCAL_USER_DIRECTORY_URL');
  }
  return directory;
}

export const handler = streamConsumer(oneChangeAtATime((change) => syncUserChange(change, userDirectory())));
