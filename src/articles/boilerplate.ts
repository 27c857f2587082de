/**
 * Text-level rules for what is not the story: share bars and subscription prompts, social handle lists, bylines,
 * image credits, "Related:" lines, embed leftovers. They run after the DOM extraction (and alone on plain text),
 * on single paragraphs, so a rule can only ever drop a whole short paragraph or one prompt sentence in it.
 */

/** Calls to follow, share or subscribe, in the languages we see most. Matched at the start of a paragraph. */
const PROMPTS = [
  /^(please\s+)?(follow|like|subscribe|share|join)\s+(us|me|our)\b/i,
  /^please\s+(follow|like|subscribe|share|support|donate)\b/i,
  /^share\s+(this|on|the\s+story|via)\b/i,
  /^share\s*:?$/i,
  /^like\s+this\s*:/i,
  /^click\s+here\s+to\b/i,
  /^subscribe\s+(to|now|for|today)\b/i,
  /^(sign\s+up|register)\s+(for|to)\s+(our|the|my)\b/i,
  /^(get|receive)\s+(our|the)\s+(free\s+)?(daily\s+|weekly\s+)?newsletter/i,
  /^(related|read\s+more|read\s+also|also\s+read|see\s+also|more\s+on\s+this|recommended|watch)\s*:/i,
  /^(advertisement|sponsored|story\s+continues\s+below|continue\s+reading)\b/i,
  /^(reading\s+time|updated|published|posted|last\s+modified)\s*(on)?\s*:/i,
  /^copyright\s+©?|^©\s*\d{4}/i,
  /^(folgen\s+sie\s+uns|abonnieren\s+sie|teilen\s+sie|mehr\s+zum\s+thema\s*:|lesen\s+sie\s+auch\s*:|anzeige$)/i,
  /^(suivez[-\s]nous|abonnez[-\s]vous|partagez\b|à\s+lire\s+aussi\s*:|lire\s+aussi\s*:)/i,
  /^(síguenos|suscríbete|comparte\b|lee\s+también\s*:|te\s+puede\s+interesar\s*:)/i,
  /^(seguici|iscriviti|condividi\b|leggi\s+anche\s*:)/i,
  /^(подписывайтесь|подпишитесь|читайте\s+также\s*:|поделиться)/i,
];

/** The same prompts when they trail a paragraph as its last sentence ("… in May. Please follow us on Gab!"). */
const TRAILING_PROMPT =
  /(?<=[.!?…"”»)])\s+((please\s+)?(follow|like|subscribe\s+to|share)\s+(us|our|this)\b[^.!?]*[.!?]*|click\s+here\s+to\b[^.!?]*[.!?]*)$/i;

const NETWORKS =
  /^(facebook|twitter|x|instagram|telegram|gab|truth\s*social|truth|gettr|minds|rumble|youtube|tiktok|linkedin|whatsapp|email|e-mail|rss|parler|mewe|pinterest|reddit|threads|bluesky|mastodon|vk|odysee|bitchute|substack|locals|print|copy\s+link)$/i;
const SOCIAL_FILLER =
  /^(follow|us|on|find|and|or|at|via|share|like|join|connect|with|our|me|the|channel|page|subscribe|here|to)$/i;

/** "Facebook | Twitter | @newsdesk on Gab": nothing but networks, handles and filler words. */
export function isSocialList(p: string): boolean {
  if (p.length > 240) return false;
  const parts = p
    .split(/\s*[|•·,/]\s*|\s+-\s+|\s{2,}|:\s*/)
    .flatMap((s) => (NETWORKS.test(s.trim()) ? [s.trim()] : s.trim().split(/\s+/)))
    .filter(Boolean);
  let social = 0;
  for (const part of parts) {
    const w = part.replace(/[!.:]+$/, '');
    if (NETWORKS.test(w) || /^@[\w.]+$/.test(w)) social++;
    else if (!SOCIAL_FILLER.test(w)) return false;
  }
  return social >= 2;
}

/**
 * A name: words of letters, apostrophes, dots and hyphens, joined by spaces, commas or `&` ("Jane Doe and John
 * Smith", "Jean-Luc de la Tour"). Each word starts after a separator, so there is one way to read a name: the
 * earlier pattern also let "and", "y", "e" join names without spaces and backtracked exponentially on them
 * ("By Ayeyeye…!" took seconds at 40 characters). Case-insensitive, so a capital is checked in isByline.
 */
const WORD = String.raw`\p{L}[\p{L}'’.-]*`;
const BYLINE = new RegExp(
  String.raw`^(?:by|von|por|par|door|di|от)\s+${WORD}(?:(?:\s+|\s*[,&]\s*)${WORD})*\s*(?:[,|·•—–-]\s*(.*))?$`,
  'iu',
);

/** "By Jane Doe, Staff Writer", "By JANE DOE | Reuters", "Von Anna Müller": short, name-led, not a sentence. */
export function isByline(p: string): boolean {
  if (p.length > 120) return false;
  const m = BYLINE.exec(p);
  if (!m) return false;
  // The case-insensitive match lets "By the end of May, …" through the name pattern: a byline ends without a
  // sentence's full stop, and its first name word is capitalised in the text itself.
  const first = p.replace(/^\S+\s+/, '');
  if (!/^\p{Lu}/u.test(first)) return false;
  return !/[.!?]$/.test(p.trim()) || /\b(?:Jr|Sr|Inc|Ltd|Co)\.$/.test(p.trim());
}

/** "Photo: Reuters/John Smith", "(AP Photo/Jane Doe)", "Image credit: Getty Images", "Foto: dpa". */
export function isImageCredit(p: string): boolean {
  if (p.length > 200) return false;
  return (
    /^\(?\s*(photo|image|picture|photograph|foto|bild|illustration|video|graphic|credit|source|quelle|crédit|fuente)s?(\s+(credit|by|courtesy))?\s*[:©/]/i.test(
      p,
    ) ||
    /^\(?\s*(AP|AFP|Reuters|Getty|EPA|dpa|Xinhua|Bloomberg|Shutterstock)(\s+(photo|images?|via\s+getty))?\s*[/:)]/i.test(
      p,
    ) ||
    /^photo\s+by\s+.+\s+on\s+(unsplash|pexels)$/i.test(p) ||
    /^\(?(getty\s+images|shutterstock|unsplash|alamy)\)?$/i.test(p) ||
    (/©/.test(p) && p.length < 80 && !/[.!?]\s/.test(p))
  );
}

/** What an embedded tweet leaves behind when its markup is gone: "pic.twitter.com/…", "— Name (@handle) May 1, 2026". */
export function isEmbedLeftover(p: string): boolean {
  return (
    /pic\.twitter\.com\/\w+/i.test(p) ||
    /^[—–-]\s*.{1,60}\(@\w{1,30}\)\s+\w+\s+\d{1,2},\s+\d{4}$/.test(p) ||
    /^a\s+post\s+shared\s+by\b/i.test(p) ||
    /^view\s+this\s+post\s+on\s+instagram$/i.test(p)
  );
}

export function isBoilerplate(paragraph: string): boolean {
  const p = paragraph.trim();
  return PROMPTS.some((re) => re.test(p)) || isSocialList(p) || isByline(p) || isImageCredit(p) || isEmbedLeftover(p);
}

/** A paragraph without its trailing call to follow or subscribe; the paragraph itself if it has none. */
export function withoutTrailingPrompt(paragraph: string): string {
  return paragraph.replace(TRAILING_PROMPT, '').trimEnd();
}
