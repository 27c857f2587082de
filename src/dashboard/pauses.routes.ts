import type { NextFunction, Request, Response, Router } from 'express';
import { IANAZone } from 'luxon';
import { isUuid, NotFound } from '../common/errors';
import type { PausesService, PauseView } from '../pauses/pauses.service';
import { ADAPTERS } from '../platforms/platform.registry';
import type { DashboardRepository } from './dashboard.repository';
import { query } from './html';
import type { DashboardSessions } from './session';
import { BASE, contextOf, formOf } from './sign-in.routes';
import { pauseScopeWords, PausesModel, pausesPage } from './views/pauses.view';
import { refusalOf } from './refusal';

export interface PausesDeps {
  pauses: PausesService;
  repo: DashboardRepository;
  sessions: DashboardSessions;
}

/** Ended pauses the page lists under the active ones. */
const ENDED_SHOWN = 10;

function tzOf(req: Request): string {
  const tz = req.query.tz;
  return typeof tz === 'string' && IANAZone.isValidZone(tz) ? tz : 'UTC';
}

/** The form's "what to pause": `all`, `platform:<id>` or `account:<id>`, as the service's scope and target. */
export function pauseTarget(what: string | null): { scope: string; target?: string } {
  if (what === null || what === '' || what === 'all') return { scope: 'all' };
  const colon = what.indexOf(':');
  if (colon < 0) return { scope: what };
  return { scope: what.slice(0, colon), target: what.slice(colon + 1) };
}

/** What a resume did, in words, from the stored pause (nothing from the URL but the pause id). */
function resumedNotice(p: PauseView): string {
  const o = p.outcome ?? { sent: 0, skipped: 0, held: 0 };
  return `Resumed ${pauseScopeWords(p)}. Deliveries that fell due meanwhile: ${o.sent} sent, ${o.skipped} skipped, ${o.held} held.`;
}

async function pausesModel(deps: PausesDeps, tz: string): Promise<PausesModel> {
  const [all, accounts] = await Promise.all([deps.pauses.list(true), deps.repo.accounts()]);
  return {
    active: all.filter((p) => p.active).reverse(),
    ended: all.filter((p) => !p.active).slice(0, ENDED_SHOWN),
    accounts,
    platforms: ADAPTERS.map((a) => ({ id: a.id, name: a.name })),
    tz,
  };
}

/** A refusal of the service (4xx naming the field): the page again, with the reason, under that status. */
async function refused(deps: PausesDeps, req: Request, res: Response, e: unknown): Promise<void> {
  const refusal = refusalOf(e);
  const model = await pausesModel(deps, tzOf(req));
  model.error = refusal.message;
  res
    .status(refusal.status)
    .type('html')
    .send(pausesPage(model, contextOf(res, deps.sessions)));
}

/**
 * Reads the active pauses for the banner of every page (res.locals.pauses, shown by the layout through the page
 * context). Pages only: live regions and actions do not render the layout. One read of a table of a few rows.
 */
export function loadActivePauses(pauses: PausesService) {
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    if ((req.method === 'GET' || req.method === 'HEAD') && !req.path.endsWith('/live')) {
      try {
        const active = await pauses.active();
        res.locals.pauses = active.map((p) => ({ what: pauseScopeWords(p), reason: p.reason }));
      } catch (e) {
        return next(e);
      }
    }
    next();
  };
}

/** GET /dashboard/pauses, and its actions: pause (POST /pauses) and resume (POST /pauses/:id/resume). */
export function addPauses(r: Router, deps: PausesDeps): void {
  r.get('/pauses', async (req, res) => {
    const model = await pausesModel(deps, tzOf(req));
    const resumed = req.query.resumed;
    if (typeof resumed === 'string' && isUuid(resumed)) {
      const p = await deps.pauses.get(resumed).catch(() => null);
      if (p && !p.active) model.notice = resumedNotice(p);
    }
    if (req.query.done === 'paused') model.notice = 'Paused. Nothing it covers is sent until you resume it.';
    res.type('html').send(pausesPage(model, contextOf(res, deps.sessions)));
  });

  r.post('/pauses', async (req, res) => {
    const form = formOf(req);
    try {
      await deps.pauses.create({
        ...pauseTarget(form.get('what')),
        reason: form.get('reason') ?? undefined,
        missed: form.get('missed') ?? undefined,
        // The number field is sent with every rule; it means something only with "skip".
        skipOlderThanMinutes:
          form.get('missed') === 'skip' ? (form.get('skipOlderThanMinutes') ?? undefined) : undefined,
      });
    } catch (e) {
      return refused(deps, req, res, e);
    }
    res.redirect(303, `${BASE}/pauses${query({ tz: tzOf(req), done: 'paused' })}`);
  });

  r.post('/pauses/:id/resume', async (req, res) => {
    const id = String(req.params.id);
    if (!isUuid(id)) throw new NotFound(`pause ${id} not found`);
    try {
      await deps.pauses.resume(id);
    } catch (e) {
      return refused(deps, req, res, e);
    }
    res.redirect(303, `${BASE}/pauses${query({ tz: tzOf(req), resumed: id })}`);
  });
}
