import { Inject, Injectable } from '@nestjs/common';
import { DATABASE, Db } from '../database/database';
import type { AccountRow, AccountUpdate, NewAccount } from '../database/schema';

/** All SQL on the accounts table. */
@Injectable()
export class AccountsRepository {
  constructor(@Inject(DATABASE) private readonly db: Db) {}

  async insert(row: NewAccount): Promise<AccountRow> {
    return this.db.insertInto('accounts').values(row).returningAll().executeTakeFirstOrThrow();
  }

  async find(id: string): Promise<AccountRow | undefined> {
    return this.db.selectFrom('accounts').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async findMany(ids: readonly string[]): Promise<AccountRow[]> {
    if (ids.length === 0) return [];
    return this.db.selectFrom('accounts').selectAll().where('id', 'in', ids).execute();
  }

  async list(): Promise<AccountRow[]> {
    return this.db.selectFrom('accounts').selectAll().orderBy('created_at').orderBy('id').execute();
  }

  async update(id: string, patch: AccountUpdate): Promise<AccountRow | undefined> {
    return this.db
      .updateTable('accounts')
      .set({ ...patch, updated_at: new Date() })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
  }

  /** Moves an account to reauth_required once; true only for the caller that made the change. */
  async markReauthRequired(id: string, reason: string): Promise<boolean> {
    const r = await this.db
      .updateTable('accounts')
      .set({ status: 'reauth_required', status_reason: reason, updated_at: new Date() })
      .where('id', '=', id)
      .where('status', '=', 'active')
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  /** A page of stored envelopes in id order, after `afterId` (the rekey command walks them all). */
  async envelopes(afterId: string | null, limit: number): Promise<Array<Pick<AccountRow, 'id' | 'credentials_enc'>>> {
    let q = this.db.selectFrom('accounts').select(['id', 'credentials_enc']).orderBy('id').limit(limit);
    if (afterId !== null) q = q.where('id', '>', afterId);
    return q.execute();
  }

  /** Swaps the envelope only while it is still `old`: a write meanwhile (a token refresh) is never overwritten. */
  async replaceCredentials(id: string, old: string, next: string): Promise<boolean> {
    const r = await this.db
      .updateTable('accounts')
      .set({ credentials_enc: next })
      .where('id', '=', id)
      .where('credentials_enc', '=', old)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  async delete(id: string): Promise<boolean> {
    const r = await this.db.deleteFrom('accounts').where('id', '=', id).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }
}
