import { html } from '../html';
import { page } from './layout.view';

/**
 * The sign-in form. The token field is a password field: never echoed back (not even after a wrong try), and
 * password managers may keep it. `next` is the page asked for, already checked to be a dashboard path.
 */
export function signInPage(opts: { csrf: string; next: string; error?: string }): string {
  return page({
    title: 'Sign in',
    ctx: null,
    body: html`<div class="sign-in">
      <h1>Sign in to Crier</h1>
      ${opts.error ? html`<p class="error" role="alert" id="sign-in-error">${opts.error}</p>` : ''}
      <form method="post" action="/dashboard/sign-in">
        <input type="hidden" name="_csrf" value="${opts.csrf}" />
        <input type="hidden" name="next" value="${opts.next}" />
        <label for="token">API token</label>
        <input
          id="token"
          name="token"
          type="password"
          autocomplete="current-password"
          required
          autofocus
          spellcheck="false"
          ${opts.error ? html`aria-describedby="sign-in-error" aria-invalid="true"` : ''}
        />
        <button class="primary" type="submit">Sign in</button>
      </form>
      <p class="muted">
        The token is <code>CRIER_API_TOKEN</code>, or the one Crier printed and saved on its first start.
      </p>
    </div>`,
  });
}
