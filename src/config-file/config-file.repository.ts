import { Inject, Injectable } from '@nestjs/common';
import { DATABASE, Db } from '../database/database';
import type { HeldAccount, HeldFeed, HeldPause, HeldWebhook } from './config-file.plan';
import { MANAGED_BY_CONFIG } from './managed';

/**
 * The reads and marks of the config file's apply on accounts, feeds, pauses and webhooks: the rows that carry a key
 * from the file, and the release of those it no longer declares. Every other write goes through the objects' own
 * services.
 */
@Injectable()
export class ConfigFileRepository {
  constructor(@Inject(DATABASE) private readonly db: Db) {}

  async heldAccounts(): Promise<HeldAccount[]> {
    const rows = await this.db
      .selectFrom('accounts')
      .select(['id', 'config_key', 'managed_by', 'platform', 'name', 'settings', 'config_hash'])
      .where('config_key', 'is not', null)
      .execute();
    return rows.map((r) => ({
      id: r.id,
      key: r.config_key as string,
      managedBy: r.managed_by,
      platform: r.platform,
      name: r.name,
      settings: r.settings,
      configHash: r.config_hash,
    }));
  }

  async heldFeeds(): Promise<HeldFeed[]> {
    const rows = await this.db
      .selectFrom('feeds')
      .select(['id', 'config_key', 'managed_by', 'url', 'account_ids', 'delay_seconds', 'spacing_seconds'])
      .select(['template', 'backfill'])
      .where('config_key', 'is not', null)
      .execute();
    return rows.map((r) => ({
      id: r.id,
      key: r.config_key as string,
      managedBy: r.managed_by,
      url: r.url,
      accountIds: r.account_ids,
      delay: r.delay_seconds,
      spacing: r.spacing_seconds,
      template: r.template,
      backfill: r.backfill,
    }));
  }

  /** Active pauses only: an ended pause is history, and declaring its key again makes a new one. */
  async heldPauses(): Promise<HeldPause[]> {
    const rows = await this.db
      .selectFrom('pauses')
      .select(['id', 'config_key', 'managed_by', 'scope', 'target', 'reason', 'missed', 'skip_older_than_minutes'])
      .where('config_key', 'is not', null)
      .where('resumed_at', 'is', null)
      .execute();
    return rows.map((r) => ({
      id: r.id,
      key: r.config_key as string,
      managedBy: r.managed_by,
      scope: r.scope,
      target: r.target,
      reason: r.reason,
      missed: r.missed,
      skipOlderThanMinutes: r.skip_older_than_minutes,
    }));
  }

  async heldWebhooks(): Promise<HeldWebhook[]> {
    const rows = await this.db
      .selectFrom('webhooks')
      .select(['id', 'config_key', 'managed_by', 'url', 'events', 'config_hash'])
      .where('config_key', 'is not', null)
      .execute();
    return rows.map((r) => ({
      id: r.id,
      key: r.config_key as string,
      managedBy: r.managed_by,
      url: r.url,
      events: r.events,
      configHash: r.config_hash,
    }));
  }

  /**
   * No longer declared: stays as it is, editable over the API; the key stays so that declaring it again adopts it.
   * A webhook keeps its hash: no route changes a webhook's secret, so it still describes the stored one.
   */
  async release(table: 'accounts' | 'feeds' | 'pauses' | 'webhooks', id: string): Promise<void> {
    if (table === 'accounts') {
      // The hash described what the file gave; the API may now change the credentials.
      await this.db.updateTable('accounts').set({ managed_by: null, config_hash: null }).where('id', '=', id).execute();
    } else {
      await this.db.updateTable(table).set({ managed_by: null }).where('id', '=', id).execute();
    }
  }

  /** A released pause the file declares again, unchanged (pauses are not edited: see planPauses). */
  async adoptPause(id: string): Promise<void> {
    await this.db.updateTable('pauses').set({ managed_by: MANAGED_BY_CONFIG }).where('id', '=', id).execute();
  }
}
