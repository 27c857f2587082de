import { HttpException } from '@nestjs/common';
import type { Request, Response, Router } from 'express';
import { IANAZone } from 'luxon';
import type { AccountHealthService } from '../accounts/account-health.service';
import type { AccountsService } from '../accounts/accounts.service';
import { Conflict, isUuid, NotFound } from '../common/errors';
import type { PausesService } from '../pauses/pauses.service';
import type { PlatformId } from '../platforms/platform';
import { getAdapter } from '../platforms/platform.registry';
import { query } from './html';
import type { DashboardSessions } from './session';
import { BASE, contextOf, formOf } from './sign-in.routes';
import { AccountsModel, accountsLive, accountsPage, credentialsPage, CredentialsModel } from './views/accounts.view';
import { refusalOf } from './refusal';

export interface AccountsDeps {
  accounts: AccountsService;
  health: AccountHealthService;
  pauses: PausesService;
  sessions: DashboardSessions;
}

/** Fixed texts for `?done=`: the URL says what happened, the page says it in words (no text from the URL). */
const NOTICES: Record<string, string> = {
  credentials: 'Credentials saved.',
  reactivated: 'Credentials saved. The account is active again; its held deliveries go out in order.',
  paused: 'Paused. Nothing of this account is sent until you resume it.',
};

function tzOf(req: Request): string {
  const tz = req.query.tz;
  return typeof tz === 'string' && IANAZone.isValidZone(tz) ? tz : 'UTC';
}

function accountId(req: Request): string {
  const id = String(req.params.id);
  if (!isUuid(id)) throw new NotFound(`account ${id} not found`);
  return id;
}

function accountsUrl(tz: string, done: string): string {
  return `${BASE}/accounts${query({ tz, done })}`;
}

/** Every account with its health (two statements) and the active pauses (one), in the page's time zone. */
async function accountsModel(deps: AccountsDeps, tz: string): Promise<AccountsModel> {
  const [accounts, paused] = await Promise.all([deps.health.list(tz), deps.pauses.activeSet()]);
  return {
    accounts: accounts.map((a) => ({ ...a, pauses: paused.allCovering({ platform: a.platform, accountId: a.id }) })),
    tz,
  };
}

/** A 4xx of a service (it names the field): the page again with the reason, under that status. */
async function refused(deps: AccountsDeps, req: Request, res: Response, e: unknown): Promise<void> {
  const refusal = refusalOf(e);
  const model = await accountsModel(deps, tzOf(req));
  model.error = refusal.message;
  res
    .status(refusal.status)
    .type('html')
    .send(accountsPage(model, contextOf(res, deps.sessions)));
}

async function credentialsModel(deps: AccountsDeps, id: string, tz: string): Promise<CredentialsModel> {
  const account = await deps.accounts.get(id);
  const adapter = getAdapter(account.platform as PlatformId);
  const sets = adapter.credentialSets;
  const kinds = sets
    ? sets.map((s) => `${s.name} (${[...s.fields, ...(s.optional ?? []).map((f) => `${f}?`)].join(', ')})`).join(' or ')
    : null;
  return { account, fields: adapter.credentialFields, kinds, tz };
}

/**
 * GET /dashboard/accounts (and its live region), Verify, Edit credentials (a page of its own: password fields in a
 * region that refreshes itself would lose what was typed), Pause and Resume. Every action goes through the service
 * the API uses (AccountsService, PausesService), so the dashboard can do nothing the API cannot.
 */
export function addAccounts(r: Router, deps: AccountsDeps): void {
  r.get('/accounts', async (req, res) => {
    const model = await accountsModel(deps, tzOf(req));
    const done = typeof req.query.done === 'string' ? NOTICES[req.query.done] : undefined;
    if (done) model.notice = done;
    const resumed = req.query.resumed;
    if (typeof resumed === 'string' && isUuid(resumed)) {
      // What the resume did, read from the stored pause (nothing from the URL but its id).
      const p = await deps.pauses.get(resumed).catch((e: unknown) => {
        if (e instanceof HttpException && e.getStatus() === 404) return null;
        throw e;
      });
      if (p && !p.active && p.outcome) {
        const o = p.outcome;
        model.notice = `Resumed. Deliveries that fell due meanwhile: ${o.sent} sent, ${o.skipped} skipped, ${o.held} held.`;
      }
    }
    res.type('html').send(accountsPage(model, contextOf(res, deps.sessions)));
  });

  r.get('/accounts/live', async (req, res) => {
    const model = await accountsModel(deps, tzOf(req));
    res.type('html').send(accountsLive(model, contextOf(res, deps.sessions)).value);
  });

  // The result names what the platform said, so it is shown in the answer to the POST, not carried in a URL.
  r.post('/accounts/:id/verify', async (req, res) => {
    const id = accountId(req);
    const before = await deps.accounts.get(id);
    const result = await deps.accounts.verify(id);
    const model = await accountsModel(deps, tzOf(req));
    const reactivated = before.status === 'reauth_required' && result.ok && result.checked;
    model.verified = { account: before, result, reactivated };
    res.type('html').send(accountsPage(model, contextOf(res, deps.sessions)));
  });

  r.get('/accounts/:id/credentials', async (req, res) => {
    const model = await credentialsModel(deps, accountId(req), tzOf(req));
    res.type('html').send(credentialsPage(model, contextOf(res, deps.sessions)));
  });

  r.post('/accounts/:id/credentials', async (req, res) => {
    const id = accountId(req);
    const tz = tzOf(req);
    const model = await credentialsModel(deps, id, tz);
    const form = formOf(req);
    // Empty fields keep the stored value: only what was typed is sent, as a PATCH with those fields would.
    const credentials: Record<string, string> = {};
    for (const f of model.fields) {
      const v = form.get(`credentials.${f.name}`);
      if (v !== null && v.trim() !== '') credentials[f.name] = v;
    }
    const again = (status: number, error: string) =>
      res
        .status(status)
        .type('html')
        .send(credentialsPage({ ...model, error }, contextOf(res, deps.sessions)));
    if (Object.keys(credentials).length === 0) {
      return again(400, 'Nothing to save: fill in the fields that change (empty fields keep the stored value).');
    }
    let status: string;
    try {
      status = (await deps.accounts.update(id, { credentials })).status;
    } catch (e) {
      // The service's refusal names the field, never a value: the form again, empty, with the reason.
      const refusal = refusalOf(e);
      return again(refusal.status, refusal.message);
    }
    const reactivated = model.account.status === 'reauth_required' && status === 'active';
    res.redirect(303, accountsUrl(tz, reactivated ? 'reactivated' : 'credentials'));
  });

  r.post('/accounts/:id/pause', async (req, res) => {
    const id = accountId(req);
    const form = formOf(req);
    const missed = form.get('missed') ?? undefined;
    try {
      await deps.pauses.create({
        scope: 'account',
        target: id,
        reason: form.get('reason') || undefined,
        missed,
        // The minutes field is sent with every rule; it means something only with "skip".
        skipOlderThanMinutes: missed === 'skip' ? (form.get('skipOlderThanMinutes') ?? undefined) : undefined,
      });
    } catch (e) {
      return refused(deps, req, res, e);
    }
    res.redirect(303, accountsUrl(tzOf(req), 'paused'));
  });

  r.post('/accounts/:id/resume', async (req, res) => {
    const id = accountId(req);
    const pauseId = formOf(req).get('pause') ?? '';
    // Only this account's own pause: a platform's or everything's is resumed on the Pauses page.
    const own = (await deps.pauses.activeForAccount(id)).find((p) => p.id === pauseId && p.scope === 'account');
    if (!own) {
      return refused(deps, req, res, new Conflict('That pause of this account is not active any more.'));
    }
    await deps.pauses.resume(own.id);
    res.redirect(303, `${BASE}/accounts${query({ tz: tzOf(req), resumed: own.id })}`);
  });
}
