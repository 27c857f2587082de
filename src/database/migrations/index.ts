import type { Migration } from 'kysely';
import * as initial from './20261127-0001-initial';
import * as feeds from './20261127-0002-feeds';
import * as threadParts from './20261127-0003-thread-parts';
import * as publishingV2 from './20261205-0004-publishing-core-v2';
import * as postStatusDerived from './20261205-0005-post-status-derived';
import * as claimFunction from './20261205-0006-claim-function';
import * as claimFastPath from './20261205-0007-claim-fast-path';
import * as secretKeyCheck from './20261205-0008-secret-key-check';
import * as retention from './20261205-0009-retention';
import * as deliveriesListing from './20261206-0010-deliveries-listing';
import * as pauses from './20261206-0011-pauses';
import * as dashboardSessions from './20261206-0012-dashboard-sessions';
import * as accountHealth from './20261206-0013-account-health';
import * as claimBatch from './20261206-0014-claim-batch';
import * as configFile from './20261206-0015-config-file';
import * as webhooks from './20261206-0016-webhooks';
import * as configWebhooks from './20261206-0017-config-webhooks';

/** Every migration, in order. Bundled in code (not read from disk) so dist/ and the tests see the same list. */
export const MIGRATIONS: Record<string, Migration> = {
  '20261127-0001-initial': initial,
  '20261127-0002-feeds': feeds,
  '20261127-0003-thread-parts': threadParts,
  '20261205-0004-publishing-core-v2': publishingV2,
  '20261205-0005-post-status-derived': postStatusDerived,
  '20261205-0006-claim-function': claimFunction,
  '20261205-0007-claim-fast-path': claimFastPath,
  '20261205-0008-secret-key-check': secretKeyCheck,
  '20261205-0009-retention': retention,
  '20261206-0010-deliveries-listing': deliveriesListing,
  '20261206-0011-pauses': pauses,
  '20261206-0012-dashboard-sessions': dashboardSessions,
  '20261206-0013-account-health': accountHealth,
  '20261206-0014-claim-batch': claimBatch,
  '20261206-0015-config-file': configFile,
  '20261206-0016-webhooks': webhooks,
  '20261206-0017-config-webhooks': configWebhooks,
};
