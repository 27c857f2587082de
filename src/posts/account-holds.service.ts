import { Injectable } from '@nestjs/common';
import { AccountEvents } from '../accounts/account-events';
import { DeliveryStateService } from './delivery-state.service';

/** The posts side of account changes: hold an account's deliveries, resume them, cancel those of a deleted account. */
@Injectable()
export class AccountHoldsService extends AccountEvents {
  constructor(private readonly states: DeliveryStateService) {
    super();
  }

  /**
   * The platform refused the account: every not-started delivery is held and loses its job (as a cancelled one
   * does); accountFixed gives the account its turn back. A delivery being published right now is its worker's.
   */
  async holdAccount(accountId: string, reason: string): Promise<void> {
    await this.states.apply('hold', { accountId }, { set: () => ({ error: reason }) });
  }

  /** Held deliveries become runnable again: on time if still ahead, else now. */
  async accountFixed(accountId: string): Promise<void> {
    const now = new Date();
    await this.states.apply(
      'resume',
      { accountId },
      { set: (eb) => ({ error: null, next_attempt_at: eb.fn('greatest', ['next_attempt_at', eb.val(now)]) }) },
    );
  }

  async accountDeleted(accountId: string): Promise<void> {
    await this.states.apply('cancel', { accountId }, { set: () => ({ error: 'account deleted' }) });
  }
}
