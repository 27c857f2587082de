import { createHash } from 'node:crypto';
import { FakeReply, FakeRequest, FakeServer, Fault } from './fake-server';

/**
 * Rumble's official upload API (docs/PLATFORMS.md §3.7): one multipart `POST /api/simple-upload.php`. A bad token or a
 * banned user gets 403; a field problem gets 200 `{success:false, errors:{<field>:{code, message, internal_code}}}`;
 * success returns `video_id` and the monetized URLs. The error codes and the description limit are not documented:
 * the ones here are plausible stand-ins, and the adapter must not depend on their exact wording.
 */

export interface RumbleFakeOptions {
  accessToken?: string;
  /** The token's user is banned: every call answers 403 like a bad token. */
  banned?: boolean;
  /** Description limit in code points (UNCONFIRMED on Rumble; mirrors Crier's guess). Default 5000. */
  maxDescriptionLength?: number;
  /** Channels the user may upload to. */
  channels?: string[];
}

export interface RumbleUpload {
  videoId: string;
  videoIdInt: number;
  title: string;
  description: string;
  licenseType: string;
  channelId: string | null;
  guid: string | null;
  filename: string;
  type: string;
  size: number;
  sha256: string;
  /** `url_monetized` as answered. */
  url: string;
  at: Date;
}

export const DEFAULT_RUMBLE_TOKEN = 'rmbl0123456789abcdef0123456789abcdef0123';
export const DEFAULT_RUMBLE_CHANNEL = '4815162';
const UPLOAD = '/api/simple-upload.php';

type FieldErrors = Record<string, { code: string; message: string }>;

/** A 200 `success:false` answer naming fields, e.g. `rumbleRefusal({ title: { code: 'TOO_LONG', message: '…' } })`. */
export function rumbleRefusal(errors: FieldErrors): Fault {
  return { status: 200, body: refusalBody(errors) };
}

/** Rumble's generic hiccup: only `errors._.code = SOMETHING_WENT_WRONG`. */
export const RUMBLE_SOMETHING_WENT_WRONG: Fault = rumbleRefusal({
  _: { code: 'SOMETHING_WENT_WRONG', message: 'Something went wrong, please try again' },
});

function refusalBody(errors: FieldErrors): Record<string, unknown> {
  const withInternal = Object.fromEntries(
    Object.entries(errors).map(([field, e], i) => [field, { ...e, internal_code: 100 + i }]),
  );
  return { success: false, errors: withInternal };
}

export class RumbleFake extends FakeServer {
  readonly accessToken: string;
  readonly uploads: RumbleUpload[] = [];
  banned: boolean;
  maxDescriptionLength: number;
  readonly channels: string[];
  private nextId = 5_000_001;

  constructor(opts: RumbleFakeOptions = {}) {
    super();
    this.accessToken = opts.accessToken ?? DEFAULT_RUMBLE_TOKEN;
    this.banned = opts.banned ?? false;
    this.maxDescriptionLength = opts.maxDescriptionLength ?? 5000;
    this.channels = opts.channels ?? [DEFAULT_RUMBLE_CHANNEL];
    this.route('POST', UPLOAD, (req) => this.upload(req));
  }

  static async start(opts: RumbleFakeOptions = {}): Promise<RumbleFake> {
    const fake = new RumbleFake(opts);
    await fake.start();
    return fake;
  }

  override reset(): void {
    super.reset();
    this.uploads.length = 0;
  }

  protected notFound(): FakeReply {
    return { status: 404, rawBody: '<!DOCTYPE html><html><head><title>404 - Not found</title></head></html>' };
  }

  private upload(req: FakeRequest): FakeReply {
    const fields = (req.body && typeof req.body === 'object' ? req.body : {}) as Record<string, string>;
    if (fields.access_token !== this.accessToken || this.banned) {
      return { status: 403, rawBody: 'Forbidden', headers: { 'Content-Type': 'text/plain' } };
    }
    const video = req.files.video;
    const errors: FieldErrors = {};
    for (const name of ['title', 'description', 'license_type']) {
      if (!fields[name]?.trim()) errors[name] = { code: 'REQUIRED', message: `The ${name} field is required` };
    }
    if (!video) errors.video = { code: 'REQUIRED', message: 'The video field is required' };
    else if (!video.type.startsWith('video/') || video.size === 0) {
      errors.video = { code: 'INVALID_FILE', message: 'The file is not a video' };
    }
    if (fields.license_type && !['0', '6'].includes(fields.license_type)) {
      errors.license_type = { code: 'INVALID', message: 'Unknown license type' };
    }
    if (fields.channel_id && !this.channels.includes(fields.channel_id)) {
      errors.channel_id = { code: 'INVALID_CHANNEL', message: 'You cannot upload to this channel' };
    }
    if (fields.description && Array.from(fields.description).length > this.maxDescriptionLength) {
      errors.description = { code: 'TOO_LONG', message: `Description is longer than ${this.maxDescriptionLength}` };
    }
    if (Object.keys(errors).length > 0 || !video) return { status: 200, body: refusalBody(errors) };

    const videoIdInt = this.nextId++;
    const videoId = `v${videoIdInt.toString(36)}`;
    const slug = fields.title
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '')
      .slice(0, 60);
    const url = `${this.baseUrl}/${videoId}-${slug}.html?mref=crier`;
    this.uploads.push({
      videoId,
      videoIdInt,
      title: fields.title,
      description: fields.description,
      licenseType: fields.license_type,
      channelId: fields.channel_id ?? null,
      guid: fields.guid ?? null,
      filename: video.filename,
      type: video.type,
      size: video.size,
      sha256: createHash('sha256').update(video.bytes).digest('hex'),
      url,
      at: new Date(),
    });
    const embed = `${this.baseUrl}/embed/${videoId}/`;
    return {
      status: 200,
      body: {
        success: true,
        video_id: videoId,
        video_id_int: videoIdInt,
        url_monetized: url,
        embed_url_monetized: `${embed}?pub=crier`,
        embed_html_monetized: `<iframe src="${embed}?pub=crier"></iframe>`,
        embed_js_monetized: `<script>Rumble("play",{"video":"${videoId}"});</script>`,
      },
    };
  }
}
