import { randomBytes, randomUUID } from 'node:crypto';
import { CredentialCipher, parseSecretKey } from '../../src/accounts/credential-cipher';
import { TelegramFake } from '../fakes/telegram.fake';
import { CrierOptions, CrierProcess, runCrierToExit } from '../support/crier-process';
import { createTelegramAccount, E2EStack, publishText, waitForDelivery } from '../support/e2e-stack';

jest.setTimeout(180_000);

/** Every form a key could be printed in. */
function forms(keyText: string): string[] {
  const key = parseSecretKey(keyText)!;
  return [keyText, key.toString('base64'), key.toString('hex'), key.toString('base64url')];
}

/**
 * The encryption key through the built Crier (README "The encryption key"): a start with a key that is not the
 * database's is refused with a message that says what to do; a rotation (new key, old one as
 * CRIER_SECRET_KEY_PREVIOUS, then `rekey`) keeps every account working and lets the old key go; credentials no
 * key opens show as reauth_required and hold their deliveries instead of failing the API or looping.
 */
describe('the encryption key', () => {
  let stack: E2EStack;
  let tg: TelegramFake;
  const oldKey = randomBytes(32).toString('base64');
  const newKey = randomBytes(32).toString('hex');
  let accountId: string;
  let crier: CrierProcess | undefined;
  const outputs: string[] = [];

  const options = (env: Record<string, string>): CrierOptions => ({
    databaseUrl: stack.databaseUrl,
    ...stack.secrets,
    env,
  });
  const start = async (env: Record<string, string>) => {
    crier = await stack.start('all', env);
    return crier;
  };
  const stop = async () => {
    if (!crier) return;
    outputs.push(crier.output);
    expect(await crier.stop()).toBe(0);
    crier = undefined;
  };

  beforeAll(async () => {
    stack = await E2EStack.create();
    tg = await TelegramFake.start();
  });

  afterAll(async () => {
    await stack?.close();
    await tg?.stop();
  });

  it('a start with another key is refused, saying what to do, with no stack trace and no key', async () => {
    const first = await start({ CRIER_SECRET_KEY: oldKey });
    accountId = await createTelegramAccount(first.api(), tg);
    await stop();

    const refused = await runCrierToExit(options({ CRIER_SECRET_KEY: newKey }));
    outputs.push(refused.output);
    expect(refused.code).toBe(1);
    expect(refused.output).toContain('CRIER_SECRET_KEY');
    expect(refused.output).toContain('CRIER_SECRET_KEY_PREVIOUS');
    expect(refused.output).toContain('npm run rekey');
    expect(refused.output).not.toMatch(/^\s+at /m);
    for (const s of [...forms(oldKey), ...forms(newKey)]) expect(refused.output).not.toContain(s);
  });

  it('rotation: new key with the old one as previous publishes; after rekey the old key is no longer needed', async () => {
    const rotating = await start({ CRIER_SECRET_KEY: newKey, CRIER_SECRET_KEY_PREVIOUS: oldKey });
    const before = await publishText(rotating.api(), accountId, 'Published during the key rotation');
    await waitForDelivery(rotating.api(), before.postId, before.deliveryId, ['published']);

    const rekey = await runCrierToExit(options({ CRIER_SECRET_KEY: newKey, CRIER_SECRET_KEY_PREVIOUS: oldKey }), [
      'rekey',
    ]);
    outputs.push(rekey.output);
    expect(rekey.code).toBe(0);
    expect(rekey.output).toMatch(/Re-encrypted 1 account credential/);
    await stop();

    const after = await start({ CRIER_SECRET_KEY: newKey });
    const account = await after.api().get(`/api/v1/accounts/${accountId}`).expect(200);
    expect(account.body.status).toBe('active');
    expect(account.body.credentials.botToken).toBe(`••••${tg.botToken.slice(-4)}`);
    const later = await publishText(after.api(), accountId, 'Published with the new key alone');
    await waitForDelivery(after.api(), later.postId, later.deliveryId, ['published']);
    expect(tg.messages.map((x) => x.text)).toEqual([
      'Published during the key rotation',
      'Published with the new key alone',
    ]);

    // The old key is now the one that is refused.
    const old = await runCrierToExit(options({ CRIER_SECRET_KEY: oldKey }));
    outputs.push(old.output);
    expect(old.code).toBe(1);
  });

  it('credentials no key opens: the list answers 200 with the account reauth_required, its deliveries held', async () => {
    const api = (crier ?? (await start({ CRIER_SECRET_KEY: newKey }))).api();
    // An account row written under a key nobody has any more (a restored backup, a key lost long ago).
    const id = randomUUID();
    const lostKey = new CredentialCipher(randomBytes(32));
    await stack.db.query(
      `insert into accounts (id, platform, name, status, settings, credentials_enc) values ($1, 'telegram', $2, 'active', $3, $4)`,
      [
        id,
        'Lost key channel',
        JSON.stringify({ chatId: String(tg.chats[0].id), apiBaseUrl: tg.baseUrl }),
        lostKey.encrypt(id, { botToken: tg.botToken }),
      ],
    );

    const list = await api.get('/api/v1/accounts').expect(200);
    const shown = (list.body as Array<Record<string, unknown>>).find((a) => a.id === id)!;
    expect(shown.status).toBe('reauth_required');
    expect(String(shown.statusReason)).toContain('CRIER_SECRET_KEY_PREVIOUS');
    expect((list.body as Array<Record<string, unknown>>).find((a) => a.id === accountId)!.status).toBe('active');
    await api.get(`/api/v1/accounts/${id}`).expect(200);

    const sent = tg.messages.length;
    const post = await publishText(api, id, 'Never sent: the credentials cannot be read');
    const held = await waitForDelivery(api, post.postId, post.deliveryId, ['held']);
    expect(String(held.error)).toContain('account needs re-authentication: stored credentials were encrypted');
    expect(tg.messages).toHaveLength(sent);

    // Complete new credentials are the fix: the held delivery resumes and goes out.
    await api
      .patch(`/api/v1/accounts/${id}`)
      .send({ credentials: { botToken: tg.botToken } })
      .expect(200);
    await waitForDelivery(api, post.postId, post.deliveryId, ['published']);
    await stop();

    for (const output of outputs) {
      for (const s of [...forms(oldKey), ...forms(newKey), tg.botToken]) expect(output).not.toContain(s);
    }
  });
});
