import { Inject, Injectable } from '@nestjs/common';
import { DATABASE, Db } from '../database/database';

/**
 * Rate budgets in PostgreSQL: one row per counter (`rate_budgets`, locked while a claim decides, holding the
 * platform's own "not before") and a sliding-window log of spends (`budget_spends`). Kept with the deliveries so a
 * claim and its spend commit together (crier_claim, migration 0006; a settle restamps or refunds them, see
 * DeliveryStateRepository.settle), and so any queue backend can use them. The sweep prunes old spends here.
 */
@Injectable()
export class BudgetsRepository {
  constructor(@Inject(DATABASE) private readonly db: Db) {}

  /** Spends older than every window (a day is the longest any platform declares, plus margin). */
  async prune(before: Date): Promise<number> {
    const r = await this.db.deleteFrom('budget_spends').where('at', '<', before).executeTakeFirst();
    return Number(r.numDeletedRows);
  }
}
