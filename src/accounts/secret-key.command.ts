import type { Logger } from 'pino';
import type { AppConfig } from '../config/config';
import type { ResolvedSecrets } from '../config/secrets';
import { Db, openDatabase } from '../database/database';
import { AccountsRepository } from './accounts.repository';
import { CredentialCipher } from './credential-cipher';
import { SecretKeyMismatch, SecretKeyService } from './secret-key.service';
import { WebhooksRepository } from '../webhooks/webhooks.repository';
import { SecretKeyRepository } from './secret-key.repository';

/** The cipher of this process: the current key, and the previous one while a rotation is under way. */
export function cipherOf(secrets: ResolvedSecrets): CredentialCipher {
  return new CredentialCipher(secrets.secretKey, secrets.previousKeys);
}

function service(db: Db, secrets: ResolvedSecrets): SecretKeyService {
  const source = secrets.keyFile ? `generated and kept in ${secrets.keyFile}` : null;
  return new SecretKeyService(
    new SecretKeyRepository(db),
    new AccountsRepository(db),
    cipherOf(secrets),
    source,
    new WebhooksRepository(db),
  );
}

/**
 * Every start, both roles, before anything reads a credential: null when the key is the database's (stored on the
 * first start), else the message to print before exiting. Mid-rotation it reminds the operator of the rekey.
 */
export async function checkKeyAtStart(db: Db, secrets: ResolvedSecrets, logger: Logger): Promise<string | null> {
  const check = await service(db, secrets).check();
  if (check.kind === 'mismatch') return check.message;
  if (check.stored) logger.info('recorded the check value of CRIER_SECRET_KEY in the database (first start)');
  if (!check.current) {
    logger.warn(
      'the stored credentials are still under CRIER_SECRET_KEY_PREVIOUS: run `npm run rekey` ' +
        '(node dist/main.js rekey) to move them to CRIER_SECRET_KEY',
    );
  }
  return null;
}

/**
 * `node dist/main.js rekey [--key-lost]` (`npm run rekey`): re-encrypts every stored credential under
 * CRIER_SECRET_KEY, then records that key as the database's, so CRIER_SECRET_KEY_PREVIOUS can be dropped.
 * Needs the database only (not Redis). Returns the exit code.
 */
export async function runRekey(config: AppConfig, secrets: ResolvedSecrets, args: string[]): Promise<number> {
  const unknown = args.filter((a) => a !== '--key-lost');
  if (unknown.length > 0) {
    process.stderr.write(`rekey: unknown option ${unknown[0]} (the only option is --key-lost)\n`);
    return 2;
  }
  const database = await openDatabase({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    applicationName: 'crier-rekey',
    poolSize: 2,
  });
  try {
    const report = await service(database.db, secrets).rekey({ keyLost: args.includes('--key-lost') });
    const lines = [
      `Re-encrypted ${report.reencrypted} account credential(s) under CRIER_SECRET_KEY (key id ${report.keyId}); ` +
        `${report.alreadyCurrent} already were.`,
      `Re-encrypted ${report.webhooks.reencrypted} webhook signing secret(s).`,
      'CRIER_SECRET_KEY is now the key of this database: CRIER_SECRET_KEY_PREVIOUS is no longer needed.',
    ];
    if (report.undecryptable.length > 0) {
      lines.push(
        `${report.undecryptable.length} account(s) have credentials no key given can decrypt; they are ` +
          'reauth_required until their credentials are entered again (PATCH /api/v1/accounts/:id):',
        ...report.undecryptable.map((id) => `  ${id}`),
      );
    }
    if (report.webhooks.undecryptable.length > 0) {
      lines.push(
        `${report.webhooks.undecryptable.length} webhook(s) have a signing secret no key given can decrypt; they are ` +
          'disabled (register them again):',
        ...report.webhooks.undecryptable.map((id) => `  ${id}`),
      );
    }
    process.stdout.write(lines.join('\n') + '\n');
    return 0;
  } catch (e) {
    if (!(e instanceof SecretKeyMismatch)) throw e;
    process.stderr.write(`${e.message.replace('Crier will not start', 'rekey refused')}\n`);
    return 1;
  } finally {
    await database.close();
  }
}
