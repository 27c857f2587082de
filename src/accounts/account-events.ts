/**
 * What the scheduling side does when an account changes. Declared here, implemented by the posts feature, so
 * accounts never import posts.
 */
export abstract class AccountEvents {
  /** The account is usable again: its held deliveries resume by themselves. */
  abstract accountFixed(accountId: string): Promise<void>;
  /** The account is going away: its not-started deliveries are cancelled and their jobs removed. */
  abstract accountDeleted(accountId: string): Promise<void>;
}
