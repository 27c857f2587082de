import { Inject, Injectable } from '@nestjs/common';
import { DATABASE, Db } from '../database/database';

export interface StoredKeyCheck {
  keyId: string;
  checkValue: string;
}

/** All SQL on secret_key_check: the one row naming the key the stored credentials are encrypted with. */
@Injectable()
export class SecretKeyRepository {
  constructor(@Inject(DATABASE) private readonly db: Db) {}

  async get(): Promise<StoredKeyCheck | undefined> {
    const row = await this.db.selectFrom('secret_key_check').select(['key_id', 'check_value']).executeTakeFirst();
    return row && { keyId: row.key_id, checkValue: row.check_value };
  }

  /** The first start's record; a process starting at the same moment may have written it first (it then stays). */
  async insertIfAbsent(check: StoredKeyCheck): Promise<void> {
    await this.db
      .insertInto('secret_key_check')
      .values({ key_id: check.keyId, check_value: check.checkValue })
      .onConflict((oc) => oc.column('id').doNothing())
      .execute();
  }

  /** After a rekey: the new key is the database's key. */
  async replace(check: StoredKeyCheck): Promise<void> {
    await this.db
      .insertInto('secret_key_check')
      .values({ key_id: check.keyId, check_value: check.checkValue })
      .onConflict((oc) =>
        oc.column('id').doUpdateSet({ key_id: check.keyId, check_value: check.checkValue, updated_at: new Date() }),
      )
      .execute();
  }
}
