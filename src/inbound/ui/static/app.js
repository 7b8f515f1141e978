// toolwire web admin (SPEC §16). Plain ES module, no framework, no build step: it calls only the admin API
// through /ui/api (same origin, the session cookie plus the CSRF header), so anything it does a script can
// do with a token. Every node is built with textContent: nothing the API returns is parsed as HTML.

const state = { csrf: '', who: '' };
const SVG = 'http://www.w3.org/2000/svg';

/** An element: attributes (on* are listeners, `for` → htmlFor) and children (strings become text). */
function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'for') el.htmlFor = v;
    else if (k === 'value') el.value = v;
    else if (k === 'checked') el.checked = Boolean(v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) if (c !== null && c !== undefined && c !== false) el.append(c instanceof Node ? c : String(c));
  return el;
}

function s(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  for (const c of children.flat()) el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return el;
}

const main = () => document.getElementById('main');
let uid = 0;
const nextId = (base) => `${base}-${++uid}`;

function showError(message) {
  document.getElementById('error').textContent = message ?? '';
}
function showStatus(message) {
  document.getElementById('status').textContent = message ?? '';
}

class ApiError extends Error {
  constructor(status, body) {
    const fields = Array.isArray(body?.fields) ? body.fields.map((f) => `${f.field}: ${f.message}`).join('; ') : '';
    super(`${body?.message ?? `The server answered ${status}.`}${fields && !String(body?.message).includes(fields) ? ` (${fields})` : ''}`);
    this.status = status;
  }
}

/** One admin API call through the proxy; the API's own message on failure. */
async function api(method, path, body) {
  const headers = { accept: 'application/json' };
  if (method !== 'GET') headers['x-csrf-token'] = state.csrf;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`/ui/api${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'same-origin' });
  const text = await res.text();
  const data = text ? JSON.parse(text) : null;
  if (res.status === 401) {
    showSignIn('Your session ended: sign in again.');
    const err = new ApiError(401, data);
    err.shown = true;
    throw err;
  }
  if (!res.ok) throw new ApiError(res.status, data);
  return data;
}

/** Runs an action, showing the API's message if it fails. */
async function attempt(fn, done) {
  showError('');
  showStatus('');
  try {
    await fn();
    if (done) showStatus(done);
  } catch (err) {
    if (!err.shown) showError(err.message);
  }
}

function field(label, input, hint) {
  input.id ||= nextId('f');
  const wrap = h('div', { class: input.type === 'checkbox' ? 'field check' : 'field' });
  const lab = h('label', { for: input.id }, label);
  if (input.type === 'checkbox') wrap.append(input, lab);
  else wrap.append(lab, input);
  if (hint) {
    const hid = nextId('hint');
    wrap.append(h('span', { class: 'hint', id: hid }, hint));
    input.setAttribute('aria-describedby', hid);
  }
  if (input.tagName === 'TEXTAREA') wrap.classList.add('wide');
  return wrap;
}

const select = (name, options, value) =>
  h(
    'select',
    { name },
    options.map((o) => h('option', { value: o, selected: o === value ? true : undefined }, o)),
  );

function page(title, ...children) {
  document.title = `${title} · toolwire admin`;
  main().replaceChildren(h('h1', {}, title), ...children);
  for (const a of document.querySelectorAll('nav a')) {
    const here = location.hash.replace(/^#/, '') || '/';
    const target = a.getAttribute('href').slice(1);
    if (target === '/' ? here === '/' : here.startsWith(target)) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
}

// ---------- sign-in ----------

function showSignIn(message) {
  document.getElementById('nav').hidden = true;
  const token = h('input', { type: 'password', name: 'token', autocomplete: 'current-password', required: true });
  const form = h(
    'form',
    {
      class: 'card',
      onsubmit: (e) => {
        e.preventDefault();
        void attempt(async () => {
          const res = await fetch('/ui/session', {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ token: token.value }),
          });
          const data = await res.json();
          if (!res.ok) throw new ApiError(res.status, data);
          token.value = '';
          signedIn(data);
        });
      },
    },
    field('Admin token', token, 'The owner token (TOOLWIRE_TOKEN) or a token from `toolwire client add NAME --admin`.'),
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Sign in')),
  );
  page('Sign in', form);
  if (message) showStatus(message);
  token.focus();
}

function signedIn(session) {
  state.csrf = session.csrf;
  state.who = session.who;
  document.getElementById('nav').hidden = false;
  showError('');
  void route();
}

// ---------- dashboard ----------

const W = 320;
const H = 150;
const PAD = { l: 36, r: 8, t: 10, b: 22 };

function lineChart(title, series, max, format) {
  const n = series[0]?.values.length ?? 0;
  const x = (i) => PAD.l + (n <= 1 ? 0 : (i / (n - 1)) * (W - PAD.l - PAD.r));
  const y = (v) => H - PAD.b - (max === 0 ? 0 : (v / max) * (H - PAD.t - PAD.b));
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': title }, s('title', {}, title));
  svg.append(
    s('line', { class: 'axis', x1: PAD.l, y1: H - PAD.b, x2: W - PAD.r, y2: H - PAD.b }),
    s('line', { class: 'axis', x1: PAD.l, y1: PAD.t, x2: PAD.l, y2: H - PAD.b }),
  );
  svg.append(s('text', { x: 2, y: PAD.t + 8 }, format(max)), s('text', { x: 2, y: H - PAD.b }, format(0)));
  svg.append(s('text', { x: PAD.l, y: H - 6 }, '-60 min'), s('text', { x: W - PAD.r - 24, y: H - 6 }, 'now'));
  series.forEach((serie, k) => {
    const points = serie.values.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
    svg.append(s('polyline', { class: `line c${k % 6}`, points }, s('title', {}, serie.name)));
  });
  return chartCard(
    title,
    svg,
    series.map((se) => se.name),
  );
}

function barChart(title, providers) {
  const max = Math.max(1, ...providers.flatMap((p) => [p.p50Ms, p.p95Ms]));
  const rowH = 26;
  const height = PAD.t + providers.length * rowH * 2 + 10;
  const svg = s('svg', { viewBox: `0 0 ${W} ${height}`, role: 'img', 'aria-label': title }, s('title', {}, title));
  providers.forEach((p, i) => {
    const top = PAD.t + i * rowH * 2;
    svg.append(s('text', { x: 2, y: top + 10 }, p.provider));
    [
      ['p50', p.p50Ms, 0],
      ['p95', p.p95Ms, 1],
    ].forEach(([label, v, k], j) => {
      const width = Math.max(1, (v / max) * (W - 120));
      const yy = top + 14 + j * 16;
      svg.append(s('rect', { class: `c${k}`, x: 40, y: yy, width: width.toFixed(1), height: 12 }, s('title', {}, `${p.provider} ${label}: ${v} ms`)));
      svg.append(s('text', { x: 44 + width, y: yy + 10 }, `${label} ${v} ms`));
    });
  });
  return chartCard(title, svg, ['p50', 'p95']);
}

function chartCard(title, svg, names) {
  return h(
    'figure',
    { class: 'card chart' },
    h('figcaption', {}, h('strong', {}, title)),
    svg,
    h(
      'ul',
      { class: 'legend' },
      names.map((n, k) => h('li', {}, h('span', { class: `swatch c${k % 6}`, 'aria-hidden': 'true' }), n)),
    ),
  );
}

async function dashboard() {
  const stats = await api('GET', '/audit/stats?minutes=60');
  const providers = stats.providers;
  if (providers.length === 0) {
    page('Dashboard', h('p', { class: 'card' }, 'No tool calls in the last hour. Try a tool from its page, or point an agent at /mcp.'));
    return;
  }
  const calls = providers.map((p) => ({ name: p.provider, values: p.perMinute.map((m) => m.calls) }));
  const errors = providers.map((p) => ({ name: p.provider, values: p.perMinute.map((m) => (m.calls === 0 ? 0 : m.errors / m.calls)) }));
  const maxCalls = Math.max(1, ...calls.flatMap((c) => c.values));
  const table = h(
    'table',
    { class: 'resp' },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        ['Provider', 'Calls', 'Errors', 'Error rate', 'p50', 'p95'].map((t) => h('th', { scope: 'col' }, t)),
      ),
    ),
    h(
      'tbody',
      {},
      providers.map((p) =>
        h(
          'tr',
          {},
          h('td', { 'data-label': 'Provider' }, p.provider),
          h('td', { 'data-label': 'Calls' }, p.calls),
          h('td', { 'data-label': 'Errors' }, p.errors),
          h('td', { 'data-label': 'Error rate' }, `${(p.errorRate * 100).toFixed(1)} %`),
          h('td', { 'data-label': 'p50' }, `${p.p50Ms} ms`),
          h('td', { 'data-label': 'p95' }, `${p.p95Ms} ms`),
        ),
      ),
    ),
  );
  page(
    'Dashboard',
    h(
      'p',
      {},
      `The last hour (${new Date(stats.since).toLocaleTimeString()} – now), from the audit log${stats.truncated ? ' (a sample: the hour had more calls than are read at once)' : ''}.`,
    ),
    h(
      'div',
      { class: 'charts' },
      lineChart('Calls per minute', calls, maxCalls, (v) => String(Math.round(v))),
      lineChart('Error rate per minute', errors, 1, (v) => `${Math.round(v * 100)}%`),
      barChart('Latency p50 / p95 per provider', providers),
    ),
    h('h2', {}, 'Per provider'),
    table,
  );
}

// ---------- providers ----------

const AUTH_TYPES = ['NONE', 'API_KEY', 'BEARER_TOKEN', 'BASIC_AUTH', 'OAUTH2'];
const KEY_LOCATIONS = ['NONE', 'HEADER', 'QUERY_PARAMETER', 'IN_BODY'];
const CREDENTIAL_MODES = ['shared', 'per_user', 'per_user_or_shared'];
const TOOL_MODES = ['direct', 'meta', 'auto'];
const MCP_PROTOCOLS = ['streamable_http', 'sse', 'stdio'];
const DYN_METHODS = ['POST', 'GET'];
const DYN_TYPES = ['JSON', 'FORM_DATA'];
const DYN_LOCATIONS = ['BODY', 'QUERY_PARAMETERS', 'HEADERS'];
const OAUTH_GRANTS = ['authorization_code', 'client_credentials'];
/** The admin API's mask for a stored secret: sent back, it keeps the stored value (HandsAI's convention). */
const MASK = 'generic_text';

/** "Name: value" lines → an object; null when a line has no colon. */
function parseMap(text) {
  const out = {};
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const at = line.indexOf(':');
    if (at <= 0) return null;
    out[line.slice(0, at).trim()] = line.slice(at + 1).trim();
  }
  return out;
}

/**
 * A write-only map (custom headers, an MCP server's env): its names with the API's mask as values. A line
 * left at the mask keeps the stored value, a typed value replaces it, a removed line removes it.
 */
function secretMapArea(name, map) {
  const area = h('textarea', { name, spellcheck: 'false', autocomplete: 'off' });
  const initial = Object.keys(map ?? {})
    .map((k) => `${k}: ${MASK}`)
    .join('\n');
  area.value = initial;
  area.addEventListener('input', () => area.setCustomValidity(parseMap(area.value) ? '' : 'One "Name: value" a line.'));
  return { area, changed: () => area.value !== initial, read: () => parseMap(area.value) ?? {} };
}

const secretPlaceholder = (set, what = 'value') => (set ? `set — type a new ${what} to replace it` : 'not set');
const numberOrNull = (input) => (input.value.trim() === '' ? null : Number(input.value));
const payloadNames = (masked) => {
  if (!masked) return [];
  try {
    return Object.keys(JSON.parse(masked));
  } catch {
    return [...new URLSearchParams(masked).keys()];
  }
};

/**
 * The provider form, every field of the admin API. Secrets (API key, dynamic-auth payload, header and env
 * values, the OAuth client secret) are write-only: shown as "set"/"not set", sent only when typed. A new
 * provider sends what is filled in; a saved one sends only what changed.
 */
function providerForm(p, onSave) {
  const v = (key, fallback = '') => p?.[key] ?? fallback;
  const oauth = p?.oauth ?? {};
  const f = {
    name: h('input', { name: 'name', value: v('name'), required: true }),
    code: h('input', { name: 'code', value: v('code'), required: true, pattern: '[A-Za-z0-9_.\\-]+' }),
    kind: select('kind', ['http', 'mcp'], v('kind', 'http')),
    baseUrl: h('input', { name: 'baseUrl', type: 'url', value: v('baseUrl') }),
    url: h('input', { name: 'url', type: 'url', value: v('url') }),
    protocol: select('protocol', MCP_PROTOCOLS, v('protocol', 'streamable_http')),
    command: h('input', { name: 'command', value: v('command') }),
    args: jsonArea('args', p?.args ? JSON.stringify(p.args) : '', 'array'),
    authenticationType: select('authenticationType', AUTH_TYPES, v('authenticationType', 'NONE')),
    apiKeyLocation: select('apiKeyLocation', KEY_LOCATIONS, v('apiKeyLocation', 'HEADER')),
    apiKeyName: h('input', { name: 'apiKeyName', value: v('apiKeyName') }),
    apiKeyValue: h('input', { name: 'apiKeyValue', type: 'password', autocomplete: 'new-password', placeholder: secretPlaceholder(p?.hasApiKeyValue) }),
    credentialMode: select('credentialMode', CREDENTIAL_MODES, v('credentialMode', 'shared')),
    enabled: h('input', { name: 'enabled', type: 'checkbox', checked: p ? p.enabled : true }),
    toolMode: select('toolMode', TOOL_MODES, v('toolMode', 'direct')),
    rateLimit: h('input', { name: 'rateLimit', type: 'number', min: '0', step: '1', value: p?.rateLimit?.perMinute ?? '' }),
    maxResultTokens: h('input', { name: 'maxResultTokens', type: 'number', min: '0', step: '1', value: v('maxResultTokens') }),
    fenceUpstreamText: h('input', { name: 'fenceUpstreamText', type: 'checkbox', checked: v('fenceUpstreamText', false) }),
    isExportable: h('input', { name: 'isExportable', type: 'checkbox', checked: v('isExportable', true) }),
    isDynamicAuth: h('input', { name: 'isDynamicAuth', type: 'checkbox', checked: v('isDynamicAuth', false) }),
    dynamicAuthUrl: h('input', { name: 'dynamicAuthUrl', type: 'url', value: v('dynamicAuthUrl') }),
    dynamicAuthMethod: select('dynamicAuthMethod', DYN_METHODS, v('dynamicAuthMethod', 'POST')),
    dynamicAuthPayloadType: select('dynamicAuthPayloadType', DYN_TYPES, v('dynamicAuthPayloadType', 'JSON')),
    dynamicAuthPayloadLocation: select('dynamicAuthPayloadLocation', DYN_LOCATIONS, v('dynamicAuthPayloadLocation', 'BODY')),
    dynamicAuthPayload: h('textarea', {
      name: 'dynamicAuthPayload',
      spellcheck: 'false',
      autocomplete: 'off',
      placeholder: secretPlaceholder(p?.dynamicAuthPayload, 'payload'),
    }),
    dynamicAuthTokenExtractionPath: h('input', {
      name: 'dynamicAuthTokenExtractionPath',
      value: v('dynamicAuthTokenExtractionPath'),
      placeholder: '$.access_token',
    }),
    dynamicAuthInvalidationKeywords: h('input', {
      name: 'dynamicAuthInvalidationKeywords',
      value: v('dynamicAuthInvalidationKeywords'),
      placeholder: 'expired,invalid_token',
    }),
    grant: select('oauthGrant', OAUTH_GRANTS, oauth.grant ?? 'authorization_code'),
    authorizationUrl: h('input', { name: 'oauthAuthorizationUrl', type: 'url', value: oauth.authorizationUrl ?? '' }),
    tokenUrl: h('input', { name: 'oauthTokenUrl', type: 'url', value: oauth.tokenUrl ?? '' }),
    clientId: h('input', { name: 'oauthClientId', value: oauth.clientId ?? '' }),
    clientSecret: h('input', {
      name: 'oauthClientSecret',
      type: 'password',
      autocomplete: 'new-password',
      placeholder: secretPlaceholder(oauth.hasClientSecret),
    }),
    scopes: h('input', { name: 'oauthScopes', value: (oauth.scopes ?? []).join(' ') }),
    pkce: h('input', { name: 'oauthPkce', type: 'checkbox', checked: oauth.pkce ?? true }),
  };
  if (p) f.kind.disabled = true; // a provider keeps its kind
  const headers = secretMapArea('customHeaders', p?.customHeaders);
  const env = secretMapArea('env', p?.env);
  const httpPart = h('fieldset', { class: 'wide' }, h('legend', {}, 'HTTP API'), field('Base URL', f.baseUrl));
  const mcpPart = h(
    'fieldset',
    { class: 'wide' },
    h('legend', {}, 'Upstream MCP server'),
    field('Server URL', f.url, 'streamable_http or sse.'),
    field('Protocol', f.protocol, 'stdio runs a command: refused over HTTP unless the server allows it.'),
    field('Command', f.command, 'stdio only.'),
    field('Arguments (JSON)', f.args, 'stdio only: a list of strings.'),
    field(
      p?.env && Object.keys(p.env).length ? 'Environment (set)' : 'Environment',
      env.area,
      `stdio only, write-only: one "NAME: value" a line; a line left at ${MASK} keeps its value.`,
    ),
  );
  const dynBody = h(
    'div',
    { class: 'grid wide' },
    field('Token URL', f.dynamicAuthUrl),
    field('Token request method', f.dynamicAuthMethod),
    field('Payload type', f.dynamicAuthPayloadType),
    field('Payload location', f.dynamicAuthPayloadLocation),
    field(
      p?.dynamicAuthPayload ? `Payload (set: ${payloadNames(p.dynamicAuthPayload).join(', ')})` : 'Payload (not set)',
      f.dynamicAuthPayload,
      'Write-only: JSON {"user": "…", "password": "…"} or a=b&c=d; never shown, only replaced.',
    ),
    field('Token extraction path', f.dynamicAuthTokenExtractionPath, 'Where the token is in the answer, such as $.data.token.'),
    field('Invalidation keywords', f.dynamicAuthInvalidationKeywords, 'Comma-separated: an answer containing one fetches a new token.'),
  );
  const dynPart = h(
    'fieldset',
    { class: 'wide' },
    h('legend', {}, 'Dynamic authentication'),
    field('Fetch a token first (dynamic auth)', f.isDynamicAuth),
    dynBody,
  );
  const oauthPart = h(
    'fieldset',
    { class: 'wide' },
    h('legend', {}, 'OAuth 2'),
    field('Grant', f.grant),
    field('Authorization URL', f.authorizationUrl),
    field('OAuth token URL', f.tokenUrl),
    field('Client ID', f.clientId),
    field(oauth.hasClientSecret ? 'Client secret (set)' : 'Client secret (not set)', f.clientSecret, 'Write-only: never shown, only replaced.'),
    field('Scopes', f.scopes, 'Separated by spaces.'),
    field('PKCE', f.pkce),
  );
  const sync = () => {
    const mcp = f.kind.value === 'mcp';
    httpPart.hidden = mcp;
    mcpPart.hidden = !mcp;
    f.baseUrl.required = !mcp;
    dynBody.hidden = !f.isDynamicAuth.checked;
    oauthPart.hidden = f.authenticationType.value !== 'OAUTH2';
  };
  for (const input of [f.kind, f.isDynamicAuth, f.authenticationType]) input.addEventListener('change', sync);
  sync();

  const TEXT = ['name', 'code', 'authenticationType', 'apiKeyLocation', 'apiKeyName', 'credentialMode', 'toolMode'];
  const HTTP = ['baseUrl'];
  const MCP = ['url', 'protocol', 'command'];
  const DYN = [
    'dynamicAuthUrl',
    'dynamicAuthMethod',
    'dynamicAuthPayloadType',
    'dynamicAuthPayloadLocation',
    'dynamicAuthTokenExtractionPath',
    'dynamicAuthInvalidationKeywords',
  ];
  const FLAGS = ['enabled', 'fenceUpstreamText', 'isExportable', 'isDynamicAuth'];

  // What each input showed at first: a saved provider sends only what differs from it.
  const shown = Object.fromEntries(Object.entries(f).map(([k, el]) => [k, el.type === 'checkbox' ? el.checked : el.value.trim()]));
  const now = (key) => (f[key].type === 'checkbox' ? f[key].checked : f[key].value.trim());

  function body() {
    const out = {};
    const mcp = f.kind.value === 'mcp';
    const put = (key, value) => {
      if (p ? JSON.stringify(now(key)) !== JSON.stringify(shown[key]) : value !== '') out[key] = value;
    };
    if (!p) out.kind = f.kind.value;
    const groups = [...TEXT, ...(mcp ? MCP : HTTP), ...(f.isDynamicAuth.checked || p ? DYN : [])];
    for (const key of groups) put(key, now(key));
    for (const key of FLAGS) if (!p || now(key) !== shown[key]) out[key] = now(key);
    if (mcp && (p ? now('args') !== shown.args : now('args') !== '')) out.args = now('args') === '' ? [] : JSON.parse(f.args.value);
    if (!p || now('rateLimit') !== shown.rateLimit) if (p || now('rateLimit') !== '') out.rateLimit = { perMinute: numberOrNull(f.rateLimit) ?? 0 };
    if (!p || now('maxResultTokens') !== shown.maxResultTokens)
      if (p || now('maxResultTokens') !== '') out.maxResultTokens = numberOrNull(f.maxResultTokens) ?? 0;
    if (headers.changed()) out.customHeaders = headers.read();
    if (mcp && env.changed()) out.env = env.read();
    if (f.apiKeyValue.value !== '') out.apiKeyValue = f.apiKeyValue.value;
    if (f.dynamicAuthPayload.value.trim() !== '') out.dynamicAuthPayload = f.dynamicAuthPayload.value.trim();
    if (f.authenticationType.value === 'OAUTH2') {
      const o = {};
      for (const key of ['grant', 'authorizationUrl', 'tokenUrl', 'clientId', 'pkce']) {
        if (!p?.oauth || now(key) !== shown[key]) if (now(key) !== '') o[key] = now(key);
      }
      if (!p?.oauth || now('scopes') !== shown.scopes) o.scopes = f.scopes.value.split(/[\s,]+/).filter(Boolean);
      if (f.clientSecret.value !== '') o.clientSecret = f.clientSecret.value;
      if (Object.keys(o).length > 0) out.oauth = o;
    }
    return out;
  }

  const secretLabel = p?.hasApiKeyValue ? 'API key (set)' : 'API key (not set)';
  const form = h(
    'form',
    {
      class: 'grid card',
      onsubmit: (e) => {
        e.preventDefault();
        if (!form.reportValidity()) return;
        void attempt(async () => {
          await onSave(body());
          for (const secret of [f.apiKeyValue, f.dynamicAuthPayload, f.clientSecret]) secret.value = '';
        });
      },
    },
    field('Name', f.name),
    field('Code', f.code, 'Letters, digits, _ . - ; tools are named after it.'),
    field('Kind', f.kind, 'An HTTP API, or an upstream MCP server.'),
    field('Enabled', f.enabled),
    httpPart,
    mcpPart,
    field('Authentication', f.authenticationType),
    field('Key location', f.apiKeyLocation),
    field('Key name', f.apiKeyName, 'The header, query or body field name.'),
    field(secretLabel, f.apiKeyValue, 'Write-only: never shown, only replaced (an MCP server’s api_key).'),
    field('Credentials', f.credentialMode, 'shared, or each identity’s own.'),
    oauthPart,
    h(
      'details',
      { class: 'wide' },
      h('summary', {}, 'Advanced: dynamic auth, headers, tool mode, limits'),
      h(
        'div',
        { class: 'grid' },
        dynPart,
        field('Tool mode', f.toolMode, 'direct: every tool listed; meta: a search tool; auto: meta when there are many.'),
        field('Rate limit (calls a minute)', f.rateLimit, 'Empty: no limit.'),
        field('Result budget (tokens)', f.maxResultTokens, 'Empty: the default budget.'),
        field('Fence upstream text', f.fenceUpstreamText),
        field('Exportable', f.isExportable),
        field(
          p?.customHeaders && Object.keys(p.customHeaders).length ? 'Custom headers (set)' : 'Custom headers',
          headers.area,
          `Write-only values: one "Name: value" a line; a line left at ${MASK} keeps its value, a removed line removes the header.`,
        ),
      ),
    ),
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, p ? 'Save provider' : 'Create provider')),
  );
  return form;
}

async function providers() {
  const list = await api('GET', '/providers');
  const rows = list.map((p) =>
    h(
      'tr',
      {},
      h('td', { 'data-label': 'Provider' }, h('a', { href: `#/providers/${p.id}` }, p.name), ' ', h('span', { class: 'hint' }, p.code)),
      h('td', { 'data-label': 'API' }, p.baseUrl ?? p.kind),
      h('td', { 'data-label': 'Secret' }, p.hasApiKeyValue ? h('span', { class: 'badge ok' }, 'set') : h('span', { class: 'badge' }, 'not set')),
      h('td', { 'data-label': 'State' }, h('span', { class: `badge ${p.enabled ? 'ok' : 'off'}` }, p.enabled ? 'enabled' : 'disabled')),
      h(
        'td',
        { 'data-label': 'Actions' },
        h(
          'div',
          { class: 'actions' },
          h(
            'button',
            {
              type: 'button',
              class: 'secondary',
              onclick: () =>
                attempt(
                  async () => {
                    await api('PUT', `/providers/${p.id}`, { enabled: !p.enabled });
                    await providers();
                  },
                  `${p.code} ${p.enabled ? 'disabled' : 'enabled'}.`,
                ),
            },
            p.enabled ? `Disable ${p.code}` : `Enable ${p.code}`,
          ),
          h(
            'button',
            {
              type: 'button',
              class: 'danger',
              onclick: () => {
                if (!confirm(`Delete provider ${p.code} and its tools?`)) return;
                void attempt(async () => {
                  await api('DELETE', `/providers/${p.id}`);
                  await providers();
                }, `${p.code} deleted.`);
              },
            },
            `Delete ${p.code}`,
          ),
        ),
      ),
    ),
  );
  page(
    'Providers',
    list.length === 0
      ? h('p', {}, 'No providers yet: create one below, or import an OpenAPI document.')
      : h(
          'table',
          { class: 'resp' },
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              ['Provider', 'API', 'Secret', 'State', 'Actions'].map((t) => h('th', { scope: 'col' }, t)),
            ),
          ),
          h('tbody', {}, rows),
        ),
    h('h2', {}, 'New provider'),
    providerForm(null, async (body) => {
      const created = await api('POST', '/providers', body);
      location.hash = `#/providers/${created.id}`;
    }),
  );
}

const PARAM_TYPES = ['STRING', 'NUMBER', 'INTEGER', 'BOOLEAN', 'OBJECT', 'ARRAY'];

/** A JSON field: invalid JSON (or the wrong kind of value) is refused before anything is sent. */
function jsonArea(name, value, kind) {
  const area = h('textarea', { name, spellcheck: 'false' });
  area.value = value;
  area.addEventListener('input', () => area.setCustomValidity(jsonProblem(area.value, kind) ?? ''));
  return area;
}

function jsonProblem(text, kind) {
  if (text.trim() === '') return null;
  let value;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return `Not valid JSON: ${err.message}`;
  }
  if (kind === 'array' && !Array.isArray(value)) return 'Must be a JSON list, like [1, 2].';
  if (kind === 'object' && (value === null || typeof value !== 'object' || Array.isArray(value))) return 'Must be a JSON object, like {"a": 1}.';
  return null;
}

async function providerPage(id) {
  const [p, tools] = await Promise.all([api('GET', `/providers/${id}`), api('GET', `/tools?providerId=${id}`)]);
  const toolName = h('input', { name: 'name', required: true });
  const toolCode = h('input', { name: 'code', required: true });
  const method = select('httpMethod', ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'], 'GET');
  const path = h('input', { name: 'endpointPath', required: true, placeholder: '/items/{id}' });
  const params = jsonArea('parameters', '[]', 'array');
  page(
    `Provider ${p.name}`,
    providerForm(p, async (body) => {
      await api('PUT', `/providers/${p.id}`, body);
      await providerPage(id);
      showStatus('Provider saved.');
    }),
    h('h2', {}, 'Tools'),
    tools.length === 0
      ? h('p', {}, 'No tools yet.')
      : h(
          'ul',
          { class: 'card' },
          tools.map((t) =>
            h(
              'li',
              {},
              h('a', { href: `#/tools/${t.id}` }, t.name),
              ` ${t.httpMethod} ${t.endpointPath} `,
              h('span', { class: `badge ${t.enabled ? 'ok' : 'off'}` }, t.enabled ? 'enabled' : 'disabled'),
            ),
          ),
        ),
    h('h2', {}, 'New tool'),
    h(
      'form',
      {
        class: 'grid card',
        onsubmit: (e) => {
          e.preventDefault();
          void attempt(async () => {
            const created = await api('POST', '/tools', {
              providerId: p.id,
              name: toolName.value,
              code: toolCode.value,
              httpMethod: method.value,
              endpointPath: path.value,
              parameters: JSON.parse(params.value || '[]'),
            });
            location.hash = `#/tools/${created.id}`;
          });
        },
      },
      field('Tool name', toolName),
      field('Tool code', toolCode),
      field('HTTP method', method),
      field('Path', path),
      field('Parameters (JSON)', params, `A list of {"name", "type" (${PARAM_TYPES.join(', ')}), "required", "location"}.`),
      h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Create tool')),
    ),
  );
}

// ---------- a tool: edit and try it ----------

/** One input per argument, named after it: enums → select, booleans → checkbox, objects/arrays → JSON. */
function argumentInput(param) {
  const type = String(param.schema?.type ?? param.type).toUpperCase();
  const enumValues = param.enum ?? param.schema?.enum;
  const name = param.name;
  const label = `${name}${param.required ? ' (required)' : ''}`;
  const hint =
    [param.description, param.defaultValue !== null && param.defaultValue !== undefined ? `default ${param.defaultValue}` : null].filter(Boolean).join(' · ') ||
    null;
  let input;
  let read;
  if (Array.isArray(enumValues) && enumValues.length > 0) {
    input = h(
      'select',
      { name, required: param.required || undefined },
      param.required ? null : h('option', { value: '' }, '(none)'),
      enumValues.map((v) => h('option', { value: JSON.stringify(v) }, String(v))),
    );
    read = () => (input.value === '' ? undefined : JSON.parse(input.value));
  } else if (type === 'BOOLEAN') {
    input = h('input', { name, type: 'checkbox' });
    input.addEventListener('change', () => {
      input.dataset.touched = '1';
    });
    read = () => (param.required || input.dataset.touched ? input.checked : undefined);
  } else if (type === 'OBJECT' || type === 'ARRAY') {
    input = jsonArea(name, '', type === 'ARRAY' ? 'array' : 'object');
    if (param.required) input.required = true;
    read = () => (input.value.trim() === '' ? undefined : JSON.parse(input.value));
  } else if (type === 'NUMBER' || type === 'INTEGER') {
    input = h('input', { name, type: 'number', step: type === 'INTEGER' ? '1' : 'any', required: param.required || undefined });
    read = () => (input.value === '' ? undefined : Number(input.value));
  } else {
    input = h('input', { name, required: param.required || undefined });
    read = () => (input.value === '' ? undefined : input.value);
  }
  return { element: field(label, input, hint), read };
}

function resultView(result) {
  const texts = (result.content ?? []).map((c) => (c.type === 'text' ? c.text : JSON.stringify(c, null, 2)));
  return h(
    'section',
    { class: 'card', 'aria-label': 'Result', id: 'result' },
    h('h2', {}, 'Result ', h('span', { class: `badge ${result.isError ? 'err' : 'ok'}` }, result.isError ? 'isError' : 'ok')),
    h('pre', {}, texts.join('\n\n')),
    result.structuredContent ? h('details', {}, h('summary', {}, 'structuredContent'), h('pre', {}, JSON.stringify(result.structuredContent, null, 2))) : null,
  );
}

async function toolPage(id) {
  const t = await api('GET', `/tools/${id}`);
  const args = t.parameters.map(argumentInput);
  const out = h('div', {});
  const tryForm = h(
    'form',
    {
      class: 'grid card',
      'aria-label': 'Try it',
      onsubmit: (e) => {
        e.preventDefault();
        if (!tryForm.reportValidity()) return;
        const values = {};
        t.parameters.forEach((p, i) => {
          const v = args[i].read();
          if (v !== undefined) values[p.name] = v;
        });
        void attempt(async () => {
          const answer = await api('POST', `/tools/${t.id}/call`, { arguments: values });
          out.replaceChildren(resultView(answer.result));
        });
      },
    },
    args.map((a) => a.element),
    args.length === 0 ? h('p', {}, 'This tool takes no arguments.') : null,
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Call tool')),
  );
  const name = h('input', { name: 'name', value: t.name, required: true });
  const description = h('input', { name: 'description', value: t.description ?? '' });
  const method = select('httpMethod', ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'], t.httpMethod);
  const path = h('input', { name: 'endpointPath', value: t.endpointPath, required: true });
  const enabled = h('input', { name: 'enabled', type: 'checkbox', checked: t.enabled });
  const params = jsonArea('parameters', JSON.stringify(t.parameters, null, 2), 'array');
  page(
    `Tool ${t.name}`,
    h('p', {}, h('a', { href: `#/providers/${t.providerId}` }, `← provider ${t.providerCode}`), ` · ${t.code}`),
    h('h2', {}, 'Try it'),
    tryForm,
    out,
    h('h2', {}, 'Edit'),
    h(
      'form',
      {
        class: 'grid card',
        onsubmit: (e) => {
          e.preventDefault();
          void attempt(async () => {
            await api('PUT', `/tools/${t.id}`, {
              name: name.value,
              description: description.value,
              httpMethod: method.value,
              endpointPath: path.value,
              enabled: enabled.checked,
              parameters: JSON.parse(params.value),
            });
            await toolPage(id);
            showStatus('Tool saved.');
          });
        },
      },
      field('Name', name),
      field('Description', description),
      field('HTTP method', method),
      field('Path', path),
      field('Enabled', enabled),
      field('Parameters (JSON)', params),
      h(
        'div',
        { class: 'actions' },
        h('button', { type: 'submit' }, 'Save tool'),
        h(
          'button',
          {
            type: 'button',
            class: 'danger',
            onclick: () => {
              if (!confirm(`Delete tool ${t.code}?`)) return;
              void attempt(async () => {
                await api('DELETE', `/tools/${t.id}`);
                location.hash = `#/providers/${t.providerId}`;
              });
            },
          },
          'Delete tool',
        ),
      ),
    ),
  );
}

// ---------- OpenAPI import ----------

function importQuery(f, dryRun) {
  const q = new URLSearchParams();
  if (dryRun) q.set('dryRun', 'true');
  if (f.provider.value) q.set('provider', f.provider.value);
  if (f.baseUrl.value) q.set('baseUrl', f.baseUrl.value);
  return `/import?${q}`;
}

function reportView(report, title) {
  const list = (label, items) =>
    items?.length
      ? [
          h('h3', {}, `${label} (${items.length})`),
          h(
            'ul',
            {},
            items.map((i) => h('li', {}, typeof i === 'string' ? i : JSON.stringify(i))),
          ),
        ]
      : [];
  return h(
    'section',
    { class: 'card', id: 'import-report', 'aria-label': title },
    h('h2', {}, title),
    h('p', {}, `Provider ${report.provider ?? ''}${report.providerCreated ? ' (new)' : ''}.`),
    list('Tools to add', report.added),
    list('Tools to change', report.changed),
    list('Unchanged', report.unchanged),
    list('Removed', report.removed),
    list('Skipped', report.skipped),
    list('Credentials to fill', report.credentialsToFill),
    list('Warnings', report.warnings),
  );
}

function importPage() {
  const f = {
    doc: jsonArea('document', '', 'object'),
    file: h('input', { type: 'file', name: 'file', accept: '.json,application/json' }),
    provider: h('input', { name: 'provider' }),
    baseUrl: h('input', { name: 'baseUrl', type: 'url' }),
  };
  f.doc.required = true;
  f.file.addEventListener('change', async () => {
    const file = f.file.files?.[0];
    if (file) f.doc.value = await file.text();
  });
  const out = h('div', {});
  const commit = h(
    'button',
    {
      type: 'button',
      hidden: true,
      onclick: () =>
        attempt(async () => {
          const report = await api('POST', importQuery(f, false), JSON.parse(f.doc.value));
          out.replaceChildren(reportView(report, 'Imported'));
          commit.hidden = true;
        }, 'Imported.'),
    },
    'Import these tools',
  );
  const form = h(
    'form',
    {
      class: 'grid card',
      onsubmit: (e) => {
        e.preventDefault();
        if (!form.reportValidity()) return;
        void attempt(async () => {
          const report = await api('POST', importQuery(f, true), JSON.parse(f.doc.value));
          out.replaceChildren(reportView(report, 'Preview (nothing written yet)'));
          commit.hidden = false;
        });
      },
    },
    field('OpenAPI document (JSON)', f.doc, 'Paste an OpenAPI 3 or Swagger 2 document, or choose a file.'),
    field('Or a file', f.file),
    field('Provider code', f.provider, 'Optional: the code of the provider to create or update.'),
    field('Base URL', f.baseUrl, 'Optional: overrides the document’s servers.'),
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Preview'), commit),
  );
  page('Import OpenAPI', form, out);
}

// ---------- identities ----------

const listOf = (text) => text.split(/[\s,]+/).filter(Boolean);

/** A modal dialog; removed from the page (and with it anything typed or shown in it) when it closes. */
function openDialog(title, ...children) {
  const dialog = h('dialog', { 'aria-label': title }, h('h2', {}, title), ...children);
  dialog.addEventListener('close', () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
  return dialog;
}

/** A new token, shown once: copy it now. Closing the dialog empties the field and removes it from the page. */
function showToken(name, token) {
  const input = h('input', { class: 'token', name: 'token', readonly: true, value: token });
  const hint = h('p', { class: 'hint' }, 'Copy it now: toolwire keeps only its hash and cannot show it again.');
  const close = h('button', { type: 'button', onclick: () => dialog.close() }, 'Done');
  const dialog = openDialog(
    `Token for ${name}`,
    field('Bearer token (shown once)', input),
    hint,
    h(
      'div',
      { class: 'actions' },
      h(
        'button',
        {
          type: 'button',
          class: 'secondary',
          onclick: async () => {
            input.select();
            try {
              await navigator.clipboard.writeText(input.value);
              hint.textContent = 'Copied. It is not shown again once this closes.';
            } catch {
              hint.textContent = 'Select the token and copy it (Ctrl+C): it is not shown again once this closes.';
            }
          },
        },
        'Copy',
      ),
      close,
    ),
  );
  dialog.addEventListener('close', () => {
    input.value = '';
  });
  input.select();
}

/** The scope fields shared by "new identity" and "edit": providers, tool globs, admin, rate. */
function scopeFields(c) {
  const f = {
    providers: h('input', { name: 'providers', value: (c?.providers ?? []).join(' ') }),
    tools: h('input', { name: 'tools', value: (c?.tools ?? []).join(' ') }),
    admin: h('input', { name: 'admin', type: 'checkbox', checked: c?.admin ?? false }),
    rate: h('input', { name: 'rate', type: 'number', min: '0', step: '1', value: c?.rateLimit?.perMinute ?? '' }),
  };
  const read = () => ({
    providers: listOf(f.providers.value),
    tools: listOf(f.tools.value),
    admin: f.admin.checked,
    rateLimit: { perMinute: f.rate.value === '' ? 0 : Number(f.rate.value) },
  });
  const elements = [
    field('Providers', f.providers, 'Provider codes separated by spaces; empty: every provider.'),
    field('Tools', f.tools, 'Tool code globs (* and ?) separated by spaces; empty: every tool.'),
    field('Rate limit (calls a minute)', f.rate, 'Empty: no limit.'),
    field('Admin (may use /admin and this page)', f.admin),
  ];
  return { elements, read };
}

function editIdentity(c) {
  const scope = scopeFields(c);
  const dialog = openDialog(
    `Edit ${c.name}`,
    h(
      'form',
      {
        class: 'grid',
        onsubmit: (e) => {
          e.preventDefault();
          void attempt(async () => {
            await api('PUT', `/clients/${encodeURIComponent(c.name)}`, scope.read());
            dialog.close();
            await identities();
          }, `${c.name} saved.`);
        },
      },
      scope.elements,
      h(
        'div',
        { class: 'actions' },
        h('button', { type: 'submit' }, 'Save identity'),
        h('button', { type: 'button', class: 'secondary', onclick: () => dialog.close() }, 'Cancel'),
      ),
    ),
  );
}

/**
 * A client's own credential for a provider: an API key (an MCP server's api_key), or the secret fields as
 * JSON (a dynamic-auth payload, custom headers). Sent once; the dialog and what was typed go when it closes.
 */
function setCredential(c, providersList) {
  const perUser = providersList.filter((p) => p.credentialMode !== 'shared');
  const provider = select(
    'provider',
    providersList.map((p) => p.code),
    perUser[0]?.code,
  );
  const key = h('input', { name: 'credentialKey', type: 'password', autocomplete: 'new-password' });
  const json = jsonArea('credentialJson', '', 'object');
  const dialog = openDialog(
    `Credential of ${c.name}`,
    h(
      'form',
      {
        class: 'grid',
        onsubmit: (e) => {
          e.preventDefault();
          if (!e.target.reportValidity()) return;
          const p = providersList.find((x) => x.code === provider.value);
          const body = json.value.trim() !== '' ? JSON.parse(json.value) : p?.kind === 'mcp' ? { api_key: key.value } : { apiKeyValue: key.value };
          void attempt(async () => {
            await api('PUT', `/clients/${encodeURIComponent(c.name)}/credentials/${encodeURIComponent(provider.value)}`, body);
            dialog.close();
            await identities();
          }, `Credential of ${c.name} for ${provider.value} set.`);
        },
      },
      field('Provider', provider, perUser.length ? `Per identity: ${perUser.map((p) => p.code).join(', ')}.` : null),
      field('API key', key, 'Write-only: never shown. An upstream MCP server’s api_key.'),
      field('Or the secret fields (JSON)', json, 'Such as {"dynamicAuthPayload": {"user": "…", "password": "…"}} or {"customHeaders": {…}}.'),
      h(
        'div',
        { class: 'actions' },
        h('button', { type: 'submit' }, 'Set credential'),
        h('button', { type: 'button', class: 'secondary', onclick: () => dialog.close() }, 'Cancel'),
      ),
    ),
  );
  dialog.addEventListener('close', () => {
    key.value = '';
    json.value = '';
  });
}

function newIdentityForm() {
  const name = h('input', { name: 'name', required: true, pattern: '[A-Za-z0-9_.\\-]+' });
  const scope = scopeFields(null);
  const form = h(
    'form',
    {
      class: 'grid card',
      'aria-label': 'New identity',
      onsubmit: (e) => {
        e.preventDefault();
        void attempt(async () => {
          const { rateLimit, ...rest } = scope.read();
          const created = await api('POST', '/clients', { name: name.value.trim(), ...rest, ...(rateLimit.perMinute ? { rateLimit } : {}) });
          await identities();
          showToken(created.name, created.token);
        }, 'Identity created: copy its token now.');
      },
    },
    field('Identity name', name, 'Letters, digits, _ . -'),
    scope.elements,
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Create identity')),
  );
  return form;
}

async function identities() {
  const [clients, providersList] = await Promise.all([api('GET', '/clients'), api('GET', '/providers')]);
  const creds = await Promise.all(clients.map((c) => api('GET', `/clients/${encodeURIComponent(c.name)}/credentials`)));
  const scope = (list) => (list.length === 0 ? 'all' : list.join(', '));
  const path = (c) => `/clients/${encodeURIComponent(c.name)}`;
  const credentialCell = (c, list) =>
    list.length === 0
      ? 'none'
      : h(
          'ul',
          { class: 'plain' },
          list.map((k) =>
            h(
              'li',
              {},
              `${k.provider}: ${k.fields.join(', ')} (set) `,
              h(
                'button',
                {
                  type: 'button',
                  class: 'secondary',
                  onclick: () => {
                    if (!confirm(`Remove ${c.name}'s own credential for ${k.provider}?`)) return;
                    void attempt(async () => {
                      await api('DELETE', `${path(c)}/credentials/${encodeURIComponent(k.provider)}`);
                      await identities();
                    }, `Credential of ${c.name} for ${k.provider} removed.`);
                  },
                },
                `Remove ${k.provider} credential of ${c.name}`,
              ),
            ),
          ),
        );
  const actions = (c) =>
    h(
      'div',
      { class: 'actions' },
      h('button', { type: 'button', class: 'secondary', onclick: () => editIdentity(c) }, `Edit ${c.name}`),
      h('button', { type: 'button', class: 'secondary', onclick: () => setCredential(c, providersList) }, `Set credential of ${c.name}`),
      h(
        'button',
        {
          type: 'button',
          class: 'secondary',
          onclick: () => {
            if (!confirm(`Give ${c.name} a new token? The old one stops working at once.`)) return;
            void attempt(async () => {
              const rotated = await api('POST', `${path(c)}/rotate`);
              await identities();
              showToken(rotated.name, rotated.token);
            }, `${c.name} has a new token: copy it now.`);
          },
        },
        `Rotate ${c.name}`,
      ),
      h(
        'button',
        {
          type: 'button',
          class: 'danger',
          onclick: () => {
            if (!confirm(`Remove identity ${c.name}? Its token and its own credentials go with it.`)) return;
            void attempt(async () => {
              await api('DELETE', path(c));
              await identities();
            }, `${c.name} removed.`);
          },
        },
        `Remove ${c.name}`,
      ),
    );
  page(
    'Identities',
    h('p', {}, 'The owner (TOOLWIRE_TOKEN) sees every tool. Client identities see their scope; credentials are listed by name, never by value.'),
    clients.length === 0
      ? h('p', { class: 'card' }, 'No client identities yet: create one below.')
      : h(
          'table',
          { class: 'resp', id: 'identities' },
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              ['Identity', 'Admin', 'Providers', 'Tools', 'Rate', 'Own credentials', 'Actions'].map((t) => h('th', { scope: 'col' }, t)),
            ),
          ),
          h(
            'tbody',
            {},
            clients.map((c, i) =>
              h(
                'tr',
                {},
                h('td', { 'data-label': 'Identity' }, c.name, c.subject ? h('span', { class: 'hint' }, ` (sub ${c.subject})`) : null),
                h('td', { 'data-label': 'Admin' }, c.admin ? 'yes' : 'no'),
                h('td', { 'data-label': 'Providers' }, scope(c.providers)),
                h('td', { 'data-label': 'Tools' }, scope(c.tools)),
                h('td', { 'data-label': 'Rate' }, c.rateLimit ? `${c.rateLimit.perMinute}/min` : 'none'),
                h('td', { 'data-label': 'Own credentials' }, credentialCell(c, creds[i])),
                h('td', { 'data-label': 'Actions' }, actions(c)),
              ),
            ),
          ),
        ),
    h('h2', {}, 'New identity'),
    newIdentityForm(),
  );
}

// ---------- audit log ----------

async function audit() {
  const params = new URLSearchParams(location.hash.split('?')[1] ?? '');
  const f = {
    client: h('input', { name: 'client', value: params.get('client') ?? '' }),
    tool: h('input', { name: 'tool', value: params.get('tool') ?? '' }),
    since: h('input', { name: 'since', value: params.get('since') ?? '', placeholder: '2026-01-31T12:00:00Z' }),
  };
  const q = new URLSearchParams();
  for (const k of ['client', 'tool', 'since', 'cursor']) if (params.get(k)) q.set(k, params.get(k));
  q.set('limit', '50');
  const data = await api('GET', `/audit?${q}`);
  const rows = data.entries.map((e) =>
    h(
      'tr',
      {},
      h('td', { 'data-label': 'When' }, new Date(e.at).toLocaleString()),
      h('td', { 'data-label': 'Who' }, e.actor),
      e.kind === 'call'
        ? [
            h('td', { 'data-label': 'What' }, `call ${e.tool}`),
            h('td', { 'data-label': 'Outcome' }, h('span', { class: `badge ${e.outcome === 'ok' ? 'ok' : 'err'}` }, e.outcome), e.status ? ` ${e.status}` : ''),
            h('td', { 'data-label': 'Time' }, `${e.durationMs} ms`),
          ]
        : [
            h('td', { 'data-label': 'What' }, `${e.action} ${e.object}`),
            h('td', { 'data-label': 'Outcome' }, e.detail ?? ''),
            h('td', { 'data-label': 'Time' }, ''),
          ],
    ),
  );
  page(
    'Audit log',
    h(
      'form',
      {
        class: 'grid card',
        role: 'search',
        onsubmit: (e) => {
          e.preventDefault();
          const next = new URLSearchParams();
          for (const [k, input] of Object.entries(f)) if (input.value.trim()) next.set(k, input.value.trim());
          location.hash = `#/audit?${next}`;
        },
      },
      field('Identity', f.client),
      field('Tool', f.tool),
      field('Since (ISO 8601)', f.since),
      h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Filter')),
    ),
    data.entries.length === 0
      ? h('p', {}, 'No entries.')
      : h(
          'table',
          { class: 'resp', id: 'audit' },
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              ['When', 'Who', 'What', 'Outcome', 'Time'].map((t) => h('th', { scope: 'col' }, t)),
            ),
          ),
          h('tbody', {}, rows),
        ),
    data.nextCursor
      ? h('p', {}, h('a', { href: `#/audit?${new URLSearchParams({ ...Object.fromEntries(params), cursor: data.nextCursor })}` }, 'Older entries'))
      : null,
  );
}

// ---------- routing ----------

async function route() {
  if (!state.csrf) return;
  const path = location.hash.replace(/^#/, '').split('?')[0] || '/';
  showStatus('');
  let m;
  await attempt(async () => {
    if (path === '/') await dashboard();
    else if (path === '/providers') await providers();
    else if ((m = /^\/providers\/(\d+)$/.exec(path))) await providerPage(m[1]);
    else if ((m = /^\/tools\/(\d+)$/.exec(path))) await toolPage(m[1]);
    else if (path === '/import') importPage();
    else if (path === '/identities') await identities();
    else if (path === '/audit') await audit();
    else page('Not found', h('p', {}, 'No such page. '), h('a', { href: '#/' }, 'Dashboard'));
  });
}

async function start() {
  window.addEventListener('hashchange', () => {
    showError('');
    void route();
  });
  document.getElementById('sign-out').addEventListener('click', async () => {
    await fetch('/ui/session', { method: 'DELETE', headers: { 'x-csrf-token': state.csrf } });
    state.csrf = '';
    showSignIn('Signed out.');
  });
  const res = await fetch('/ui/session', { headers: { accept: 'application/json' } });
  if (res.ok) signedIn(await res.json());
  else showSignIn();
}

void start();
