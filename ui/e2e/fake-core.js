// An in-page stand-in for the Rust core, behind `mockIPC`: the same commands, argument shapes,
// outcomes and error payloads, with the core's rules (sessions, one Meta Ads per workspace, one
// integration per store, discovery outcomes by key, row versions for stale edits).
// Loaded as an init script (plain script, no imports); `installFakeCore(seed)` is called after it.
//
// Shared mode (seed `shared: true`): `state.integrations` is the local mirror. Offline
// (`window.__fakeCore.goOffline()` or seed `link: 'OFFLINE'`), names, descriptions and on/off are
// applied to the mirror and queued in `state.outbox`; everything that needs the server fails
// with OFFLINE. `goOnline()` sends the outbox: a change whose integration was also changed (or
// deleted) on the server meanwhile (`editOnServer` / `deleteOnServer`) becomes a conflict; a sync
// that finished there meanwhile (`syncOnServer`) is no edit and conflicts with nothing.
//
// Syncs: `sync_now` / `sync_all` only ask (as the core's scheduler does); each `sync_activity` poll
// then moves every asked or running sync one step on, so a run takes a few polls and is the same
// every time (see SYNC_PLANS). A run's outcome (lastSyncAt, status, error) is no edit: it leaves
// the version alone, so an Edit dialog opened before it ended still saves. A secret containing
// "expired" makes the provider refuse the credential mid-run: the run FAILS and the integration
// goes to ERROR ("… Reconnect …"). `holdSyncs(steps)` keeps runs from going past that many steps
// (for pictures of a run in progress), `releaseSyncs()` lets them go on. Seed `runs` fill the
// history; seed integrations may carry `schedule: {intervalMinutes, nextRunAt}`. Scheduled runs
// never start by themselves.
//
// Analytics: `report` sums a small fixture the way the core does (REPORT_ADS: three
// campaigns of a VND ad account; orders of every Pancake store of the workspace, most of them
// attributed to those ads, some to an ad Meta does not know, some to none). The figures of a day
// depend only on the day and the store's place in the list, so every run shows the same numbers;
// days after today (in the report's time zone) and before REPORT_HISTORY_DAYS ago are empty. Seed
// `analytics: 'empty'` makes every report empty. `export_report` answers with the path a CSV
// would have in ~/Downloads and keeps the query in `state.exports`.
//
// Campaigns (spend per store): `list_campaigns` lists REPORT_ADS' campaigns with their ad sets,
// the spend of the last 30 days, the stores whose orders came from their ads (all of history,
// REPORT_HISTORY_DAYS) and the suggestion the core would make of them (whole percents of that
// revenue). `assign_campaign` keeps decisions per campaign (or ad set) with versions, as the core
// does (VALIDATION, NOT_FOUND, STALE_EDIT, OFFLINE). With a store chosen or `by: 'store'`, the
// report splits each ad's day of spend by its deciding assignment with the core's rule (rounded
// down, the remainder to the largest share, the first of equal ones). Seed `assignments`
// ({campaignId, adsetId?, shares: [{store: <integration name>, percent}] | [], reassignedAt?})
// decides some up front; `assignElsewhere(campaignId, shares)` is another computer deciding.
// Alerts: seed `alerts` (each as the core answers it) are the signed-in workspace's; `dismiss_alert`
// marks one (offline too: the core queues it); `set_alert_settings` checks the core's ranges
// (VALIDATION) and, offline, is queued like the core queues it.
//
// Real-time orders (shared mode): seed `publicUrl` is the server's public address (none: the
// switch cannot be turned on, CONFIGURATION, as the core says). `set_realtime_orders` registers
// or unregisters the store's webhook with Pancake, kept in `state.pancakeWebhooks` by shop id (as
// the fake Pancake records the PUT), and needs the server. Seed `deliveries` ({<integration
// name>: [{receivedAt, kind, outcome, sizeBytes, reference}]}, newest first) fill the delivery log;
// `deliver(name, delivery)` is Pancake posting one. On a computer on its own there are none.
//
// Time zones: every workspace has one (Asia/Ho_Chi_Minh unless a seed user names another with
// `timeZone`); reports count days in it unless the query names another. `set_time_zone` checks the
// name against the browser's Intl (VALIDATION) and needs the server (OFFLINE), as the core does.

/* exported installFakeCore */
function installFakeCore(seed) {
  const now = () => new Date().toISOString();
  const state = {
    configured: Boolean(seed.configured),
    mode: seed.shared || seed.joined ? 'shared' : 'standalone',
    /** The shared workspace joined with a code: seed `joined` ({server, workspaceId, workspaceName, keyLocation}). */
    joined: seed.joined || null,
    link: seed.shared || seed.joined ? seed.link || 'ONLINE' : 'STANDALONE',
    mirrorAsOf: seed.mirrorAsOf === undefined ? (seed.shared || seed.joined ? now() : null) : seed.mirrorAsOf,
    dataVersion: 1,
    outbox: [],
    conflicts: [],
    /** Integration id → what the server did to it while we were offline: a patch, or 'deleted'. */
    serverEdits: {},
    /** Integration id → the outcome of a sync that finished on the server while we were offline. */
    serverSyncs: {},
    /** Integration id → the server's version before the first offline edit to it. */
    serverCopies: {},
    nextSeq: 1,
    prefs: Object.assign({ language: null, theme: 'system', lastEmail: null }, seed.prefs || {}),
    users: (seed.users || []).map((u, i) => Object.assign({ userId: 'u-' + (i + 1), tenantId: 't-' + (i + 1) }, u)),
    session: null,
    /** Tenant id → its time zone (the days of its reports); DEFAULT_ZONE when not set. */
    zones: {},
    integrations: [],
    nextId: 1,
    calls: [],
    /** Integration id → {intervalMinutes, nextRunAt, requested}; only enabled ones sync. */
    schedules: {},
    /** Every run, oldest first; `tenantId` kept beside the SyncRun fields. */
    runs: [],
    /** Integration id → the run going on: {run, steps, step, started}. */
    active: {},
    /** Integration id → {progress, at}: the latest progress, as `sync_activity` lists it. */
    activity: {},
    nextRun: 1,
    /** Runs stop after this many steps while set (holdSyncs). */
    holdAt: null,
    /** Every export_report: {stem, path, query}. */
    exports: [],
    /** The signed-in workspace's alerts (seed `alerts`, as the core answers them), newest first. */
    alerts: (seed.alerts || []).slice(),
    /** The shared server's public address for webhooks (seed `publicUrl`). */
    publicUrl: seed.publicUrl || null,
    /** Integration id → {url, registeredAt} while it receives orders in real time. */
    realtime: {},
    /** Shop id → the webhook settings last registered with Pancake (`PUT /shops/{id}`). */
    pancakeWebhooks: {},
    /** Integration id → its deliveries, newest first. */
    deliveries: {},
    /** Its thresholds (the core's defaults unless the seed says otherwise). */
    alertSettings: Object.assign(
      { spendSpikePercent: 200, roasFloorPercent: 100, roasDropPercent: 30, quietWeeks: 4, quietMinMinutes: 60, syncFailingHours: 6, tokenExpiryDays: 7 },
      seed.alertSettings || {},
    ),
  };
  const DEFAULT_ZONE = 'Asia/Ho_Chi_Minh';
  for (const u of state.users) if (u.timeZone) state.zones[u.tenantId] = u.timeZone;
  const zoneOf = (tenantId) => state.zones[tenantId] || DEFAULT_ZONE;
  /** An IANA name the browser knows (as the core asks chrono-tz). */
  const knownZone = (name) => {
    if (typeof name !== 'string' || !name.trim() || /^[+-]?\d/.test(name.trim())) return false;
    try {
      new Intl.DateTimeFormat('en', { timeZone: name.trim() });
      return true;
    } catch {
      return false;
    }
  };
  if (seed.session) state.session = state.users.find((u) => u.email === seed.session) || null;

  const SHOPS = {
    'one-shop': [{ id: '101', name: 'Shop thời trang' }],
    'three-shops': [
      { id: '101', name: 'Shop thời trang' },
      { id: '102', name: 'Mỹ phẩm Hà Nội' },
      { id: '103', name: 'Giày dép Sài Gòn' },
    ],
  };
  const ACCOUNTS = {
    'one-account': [{ id: 'act_1001', name: 'Shop thời trang Ads', accountStatus: 1, statusName: 'ACTIVE', active: true, currency: 'VND', timezoneName: 'Asia/Ho_Chi_Minh' }],
    'two-accounts': [
      { id: 'act_1001', name: 'Shop thời trang Ads', accountStatus: 1, statusName: 'ACTIVE', active: true, currency: 'VND', timezoneName: 'Asia/Ho_Chi_Minh' },
      { id: 'act_1002', name: 'Tài khoản cũ', accountStatus: 2, statusName: 'DISABLED', active: false, currency: 'USD', timezoneName: 'America/Los_Angeles' },
    ],
  };

  const fail = (code, message, providerCode) => {
    const error = { code, message };
    if (providerCode) error.providerCode = providerCode;
    throw error;
  };
  const hint = (secret) => '••••' + secret.slice(-4);
  const account = () => {
    if (!state.session) fail('UNAUTHENTICATED', 'Your session has ended. Sign in again.');
    const u = state.session;
    return { tenantId: u.tenantId, tenantName: u.tenantName, timeZone: zoneOf(u.tenantId), userId: u.userId, email: u.email };
  };
  const mine = () => state.integrations.filter((i) => i.tenantId === account().tenantId);
  const find = (id) => mine().find((i) => i.id === id) || fail('NOT_FOUND', 'The integration no longer exists.');
  /**
   * What a connect call settles on: the one asked for (VALIDATION, saying `unknown`, if it is not
   * offered), the only one offered, or null when there are several to choose from.
   */
  const chosenOf = (offered, wantedId, unknown) => {
    if (wantedId !== null) return offered.find((o) => o.id === wantedId) || fail('VALIDATION', unknown);
    return offered.length > 1 ? null : offered[0];
  };
  const pub = (i) => {
    const copy = Object.assign({}, i);
    delete copy.secret;
    return copy;
  };
  const create = (provider, name, description, config, secret, extra) => {
    const stamp = now();
    const integration = Object.assign(
      {
        id: 'int-' + state.nextId++,
        tenantId: account().tenantId,
        name,
        provider,
        description,
        status: 'ACTIVE',
        enabled: true,
        config,
        credentialsHint: hint(secret),
        lastError: null,
        createdAt: stamp,
        updatedAt: stamp,
        lastSyncAt: null,
        version: 1,
        secret,
      },
      extra || {},
    );
    state.integrations.push(integration);
    const base = new Date(integration.lastSyncAt || stamp).getTime();
    state.schedules[integration.id] = { intervalMinutes: 60, nextRunAt: new Date(base + 60 * 60000).toISOString(), requested: false };
    return integration;
  };
  const touch = (i) => {
    i.version += 1;
    i.updatedAt = now();
  };
  for (const s of seed.integrations || []) {
    const owner = state.users.find((u) => u.email === s.owner) || state.users[0];
    const saved = state.session;
    state.session = owner;
    const made = create(s.provider, s.name, s.description || null, s.config, s.secret || 'seed-key-0000', s.extra);
    if (s.schedule) Object.assign(state.schedules[made.id], s.schedule);
    state.session = saved;
  }
  for (const [name, deliveries] of Object.entries(seed.deliveries || {})) {
    const i = state.integrations.find((x) => x.name === name);
    state.deliveries[i.id] = deliveries.map((d) => Object.assign({ integrationId: i.id, reference: null, sizeBytes: 0 }, d));
  }
  for (const r of seed.runs || []) {
    const i = state.integrations.find((x) => x.name === r.name);
    state.runs.push({
      id: 'run-seed-' + state.nextRun++,
      integrationId: i.id,
      tenantId: i.tenantId,
      trigger: r.trigger || 'SCHEDULE',
      outcome: r.outcome || 'SUCCEEDED',
      startedAt: r.startedAt,
      finishedAt: r.finishedAt === undefined ? r.startedAt : r.finishedAt,
      counts: r.counts || {},
      error: r.error || null,
      errorCode: r.errorCode || null,
    });
  }

  const offline = () => state.link === 'OFFLINE';
  const needsServer = () => {
    if (offline()) fail('OFFLINE', 'You are offline: this needs the shared database. Try again when the connection returns.');
  };
  const moved = () => {
    state.dataVersion += 1;
  };
  const TAKEN = ['stored', 'unchanged', 'ignored'];
  /** `realtime_orders`: nothing secret, as the core answers. */
  const realtimeOf = (i) => {
    if (state.mode !== 'shared') return { available: false, enabled: false, url: null, registeredAt: null, lastDeliveryAt: null };
    needsServer();
    const on = state.realtime[i.id];
    const last = (state.deliveries[i.id] || []).find((d) => TAKEN.includes(d.outcome));
    return {
      available: i.provider === 'PANCAKE_POS' && Boolean(state.publicUrl),
      enabled: Boolean(on),
      url: on ? on.url : null,
      registeredAt: on ? on.registeredAt : null,
      lastDeliveryAt: last ? last.receivedAt : null,
    };
  };
  /** Offline: the change is applied to the mirror (version unchanged) and waits in the outbox. */
  const queue = (i, change) => {
    if (!state.serverCopies[i.id]) state.serverCopies[i.id] = Object.assign({}, i);
    state.outbox.push({ seq: state.nextSeq++, integrationId: i.id, integrationName: i.name, change, queuedAt: now() });
    moved();
  };
  const applyChange = (i, change) => {
    if (change.name !== undefined) i.name = change.name;
    if (change.description !== undefined) i.description = change.description;
    if (change.enabled !== undefined) {
      i.enabled = change.enabled;
      i.status = change.enabled ? (i.lastError ? 'ERROR' : 'ACTIVE') : 'DISABLED';
    }
  };
  const connectivity = () => {
    account();
    const pick = ({ seq, integrationId, integrationName, queuedAt }) => ({ seq, integrationId, integrationName, queuedAt });
    return {
      mode: state.link,
      mirrorAsOf: state.mirrorAsOf,
      dataVersion: state.mode === 'shared' ? state.dataVersion : 0,
      pending: state.outbox.map((q) => Object.assign(pick(q), { change: q.change })),
      conflicts: state.conflicts.map((c) => Object.assign(pick(c), { mine: c.mine, server: c.server ? pub(c.server) : null })),
    };
  };
  for (const c of seed.conflicts || []) {
    const i = state.integrations.find((x) => x.name === c.name);
    const server = c.server === null ? null : Object.assign({}, i, c.server, { version: i.version + 1 });
    state.conflicts.push({ seq: state.nextSeq++, integrationId: i.id, integrationName: i.name, mine: c.mine, server, queuedAt: c.queuedAt || now() });
  }

  // ---- Syncs ------------------------------------------------------------------------------------

  /** What each poll adds: the stream, its done/total, and the records per stream. */
  const SYNC_PLANS = {
    PANCAKE_POS: [
      { stream: 'orders', done: 1, total: 3, add: { orders: 150 } },
      { stream: 'orders', done: 2, total: 3, add: { orders: 150 } },
      { stream: 'orders', done: 3, total: 3, add: { orders: 150 } },
      { stream: 'variations', done: 1, total: 1, add: { variations: 30, stock: 60 } },
    ],
    META_ADS: [
      { stream: 'insights', done: 1, total: 4, add: { insights: 60 } },
      { stream: 'insights', done: 2, total: 4, add: { insights: 60 } },
      { stream: 'insights', done: 3, total: 4, add: { insights: 60 } },
      { stream: 'insights', done: 4, total: 4, add: { insights: 60, ads: 12 } },
    ],
  };
  /** A refused credential: after the first step, the provider says no. */
  const REFUSED = {
    PANCAKE_POS: 'Pancake POS rejected the API key (HTTP 401).',
    META_ADS: 'Meta rejected the access token (it may have expired).',
  };
  const FINISHED_VISIBLE_MS = 20000;

  const scheduleOf = (i) => {
    if (!i.enabled) return null;
    const s = state.schedules[i.id];
    return { integrationId: i.id, intervalMinutes: s.intervalMinutes, nextRunAt: s.nextRunAt, requested: s.requested, running: Boolean(state.active[i.id]) };
  };
  const publicRun = (run) => {
    const copy = Object.assign({}, run);
    delete copy.tenantId;
    return copy;
  };
  /** What progress reports of a run going on: its id and the counts so far. */
  const going = (i) => ({ id: state.active[i.id].run.id, counts: state.active[i.id].counts });
  const publish = (i, run, step, extra) => {
    const records = Object.values(run.counts).reduce((a, b) => a + b, 0);
    state.activity[i.id] = {
      at: Date.now(),
      progress: Object.assign(
        { integrationId: i.id, runId: run.id, integrationName: i.name, stream: step ? step.stream : '', records,
          done: step ? step.done : 0, total: step ? step.total : 0, outcome: null, error: null, errorCode: null },
        extra || {},
      ),
    };
  };
  const startRun = (i) => {
    const s = state.schedules[i.id];
    s.requested = false;
    const run = { id: 'run-' + state.nextRun++, integrationId: i.id, tenantId: i.tenantId, trigger: 'MANUAL', outcome: 'RUNNING',
      startedAt: now(), finishedAt: null, counts: {}, error: null, errorCode: null };
    state.runs.push(run);
    // Like the core, the stored run gets its counts when it ends; progress counts as it goes.
    state.active[i.id] = { run, step: 0, steps: SYNC_PLANS[i.provider], counts: {} };
    publish(i, going(i), null);
  };
  const finishRun = (i, active, failure) => {
    const run = active.run;
    const finished = now();
    run.finishedAt = finished;
    run.counts = active.counts;
    run.outcome = failure ? 'FAILED' : 'SUCCEEDED';
    if (failure) {
      run.error = failure.message;
      run.errorCode = failure.code;
      i.lastError = failure.message + ' Reconnect this integration with new credentials.';
      if (i.enabled) i.status = 'ERROR';
    } else {
      i.lastSyncAt = finished;
      i.lastError = null;
      if (i.enabled) i.status = 'ACTIVE';
    }
    // A run's outcome is no edit: the version an Edit dialog was opened on stays current.
    i.updatedAt = finished;
    moved();
    const s = state.schedules[i.id];
    s.nextRunAt = new Date(Date.parse(finished) + s.intervalMinutes * 60000).toISOString();
    delete state.active[i.id];
    publish(i, run, { stream: '', done: 1, total: 1 }, { outcome: run.outcome, error: run.error, errorCode: run.errorCode });
  };
  /** One poll's worth of work: running syncs take one step, asked ones start. */
  const advanceSyncs = () => {
    for (const id of Object.keys(state.active)) {
      const i = state.integrations.find((x) => x.id === id);
      const active = state.active[id];
      if (!i) {
        delete state.active[id];
        continue;
      }
      if (state.holdAt !== null && active.step >= state.holdAt) continue;
      if (active.step >= active.steps.length) {
        finishRun(i, active, null);
        continue;
      }
      if (active.step === 1 && i.secret.includes('expired')) {
        finishRun(i, active, { message: REFUSED[i.provider], code: 'PROVIDER_AUTH_REJECTED' });
        continue;
      }
      const step = active.steps[active.step++];
      for (const [stream, n] of Object.entries(step.add)) active.counts[stream] = (active.counts[stream] || 0) + n;
      publish(i, going(i), step);
    }
    for (const i of state.integrations) {
      if (i.enabled && state.schedules[i.id].requested && !state.active[i.id] && !offline()) startRun(i);
    }
  };


  // ---- Analytics -------------------------------------------------------------------------------

  /** The synced Meta ads by campaign: daily spend (VND, before the day's wobble), CTR, conversion, basket. */
  const REPORT_CAMPAIGNS = [
    { campaignId: '120200000001', campaignName: 'Khuyến mãi Tết', ads: [
      { adId: '120210000101', adName: 'Áo dài Tết – video 15s', adsetId: '120230000101', adsetName: 'Nữ 25–40, Hà Nội',
        spend: 1450000, ctr: 0.024, cvr: 0.026, basket: 690000 },
      { adId: '120210000102', adName: 'Combo quà Tết – carousel', adsetId: '120230000102', adsetName: 'Quà Tết toàn quốc',
        spend: 980000, ctr: 0.019, cvr: 0.022, basket: 540000 },
    ] },
    { campaignId: '120200000002', campaignName: 'Xả kho cuối năm', ads: [
      { adId: '120210000201', adName: 'Giày thể thao giảm 50%', adsetId: '120230000201', adsetName: 'Xả kho – mọi người',
        spend: 760000, ctr: 0.027, cvr: 0.02, basket: 390000 },
    ] },
    { campaignId: '120200000003', campaignName: 'Nhận diện thương hiệu', ads: [
      { adId: '120210000301', adName: 'Video giới thiệu cửa hàng', adsetId: '120230000301', adsetName: 'Video – rộng',
        spend: 420000, ctr: 0.011, cvr: 0.005, basket: 450000 },
    ] },
  ];
  /** Each ad with its campaign's id and name, in the order above. */
  const REPORT_ADS = REPORT_CAMPAIGNS.flatMap(({ ads, ...campaign }) => ads.map((ad) => ({ ...ad, ...campaign })));
  /** An ad id some orders carry that is not among the synced ads (an old account's). */
  const UNKNOWN_AD = '120219999001';
  const REPORT_HISTORY_DAYS = 120;

  /** 0.6 … 1.4, fixed for a given text. */
  const wobble = (text) => {
    let h = 2166136261;
    for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
    return 0.6 + ((h >>> 0) % 8001) / 10000;
  };
  const thousands = (value) => Math.round(value / 1000) * 1000;
  const dayOf = (date, zone) => {
    const parts = new Intl.DateTimeFormat('en-US', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(date);
    const get = (t) => parts.find((p) => p.type === t).value;
    return get('year') + '-' + get('month') + '-' + get('day');
  };
  const addDays = (day, n) => {
    const [y, m, d] = day.split('-').map(Number);
    return new Date(Date.UTC(y, m - 1, d + n)).toISOString().slice(0, 10);
  };
  const isDay = (text) => typeof text === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(text) && addDays(text, 0) === text;

  /** One ad's insight row for one day (account-wide, as Meta reports it). */
  const insightOf = (ad, day) => {
    const spend = thousands(ad.spend * wobble(day + ad.adId));
    const impressions = Math.round(spend / 85);
    const clicks = Math.round(impressions * ad.ctr * wobble(day + ad.adId + 'c'));
    const purchases = Math.round(clicks * ad.cvr * wobble(day + ad.adId + 'p'));
    return { spend, impressions, clicks, purchases, purchaseValue: purchases * ad.basket };
  };
  /** One store's orders of one day, by the ad they name (null: none). */
  const ordersOf = (storeIndex, day) => {
    const share = storeIndex === 0 ? 0.6 : 0.4 / Math.max(1, storeIndex);
    const out = [];
    for (const ad of REPORT_ADS) {
      const n = Math.round(insightOf(ad, day).purchases * share * 1.15 * wobble(day + ad.adId + 's' + storeIndex));
      if (n > 0) out.push({ ad: ad.adId, orders: n, revenue: thousands(n * ad.basket * wobble(day + ad.adId + 'r' + storeIndex)) });
    }
    const unknown = Math.round(wobble(day + 'u' + storeIndex) * 1.5 - 0.7);
    if (unknown > 0) out.push({ ad: UNKNOWN_AD, orders: unknown, revenue: thousands(unknown * 510000 * wobble(day + 'ur' + storeIndex)) });
    const organic = Math.round(5 * wobble(day + 'o' + storeIndex) * (storeIndex === 0 ? 1 : 0.7));
    out.push({ ad: null, orders: organic, revenue: thousands(organic * 360000 * wobble(day + 'or' + storeIndex)) });
    return out;
  };

  const blankMetrics = () => ({ spendMinor: 0, impressions: 0, clicks: 0, metaPurchases: 0, metaPurchaseValueMinor: 0,
    revenueMinor: 0, orders: 0, averageOrderValueMinor: null, roasMeta: null, roasPos: null });
  const addInsight = (m, i) => {
    m.spendMinor += i.spend;
    m.impressions += i.impressions;
    m.clicks += i.clicks;
    m.metaPurchases += i.purchases;
    m.metaPurchaseValueMinor += i.purchaseValue;
  };
  const addOrders = (m, o) => {
    m.revenueMinor += o.revenue;
    m.orders += o.orders;
  };
  const finish = (m) => {
    m.averageOrderValueMinor = m.orders > 0 ? Math.floor((2 * m.revenueMinor + m.orders) / (2 * m.orders)) : null;
    m.roasMeta = m.spendMinor > 0 ? m.metaPurchaseValueMinor / m.spendMinor : null;
    m.roasPos = m.spendMinor > 0 ? m.revenueMinor / m.spendMinor : null;
    return m;
  };

  // ---- Spend per store -------------------------------------------------------------------------

  /** Decisions by `campaignId|adsetId` ('' for the campaign): {tenantId, shares (null | [] | [{store, basisPoints}]), version, ...}. */
  const assignments = {};
  let nextAssignmentVersion = 1;
  const keyOf = (campaignId, adsetId) => campaignId + '|' + (adsetId || '');
  const decisionOf = (tenant, campaignId, adsetId) => {
    const a = assignments[keyOf(campaignId, adsetId)];
    return a && a.tenantId === tenant ? a : null;
  };
  const storesOf = (tenant) => state.integrations.filter((i) => i.tenantId === tenant && i.provider === 'PANCAKE_POS');
  /** `amount` split by `weights`: each part rounded down, the rest to the largest weight (the first of equal ones). */
  const splitMinor = (amount, weights) => {
    const total = weights.reduce((a, b) => a + b, 0);
    const parts = weights.map((w) => Math.floor((amount * w) / total));
    let taker = 0;
    weights.forEach((w, i) => {
      if (w > weights[taker]) taker = i;
    });
    parts[taker] += amount - parts.reduce((a, b) => a + b, 0);
    return parts;
  };
  /** The assignment deciding an ad: its ad set's when decided, else its campaign's. */
  const decidingOf = (tenant, ad) => {
    const own = decisionOf(tenant, ad.campaignId, ad.adsetId);
    if (own && own.shares !== null) return own;
    const campaign = decisionOf(tenant, ad.campaignId, '');
    return campaign && campaign.shares !== null ? campaign : null;
  };
  /** Who an ad's spend belongs to: [{owner: store id | 'none' | 'unassigned', weight}]. */
  const ownersOf = (tenant, ad) => {
    const decided = decidingOf(tenant, ad);
    if (!decided) return [{ owner: 'unassigned', weight: 1 }];
    if (decided.shares.length === 0) return [{ owner: 'none', weight: 1 }];
    const known = new Set(storesOf(tenant).map((s) => s.id));
    return decided.shares.map((s) => ({ owner: known.has(s.store) ? s.store : 'unassigned', weight: s.basisPoints }));
  };
  const METRICS = ['spend', 'impressions', 'clicks', 'purchases', 'purchaseValue'];
  /** One ad's insight of one day, split among its owners: [{owner, insight}]. */
  const splitInsight = (tenant, ad, insight) => {
    const owners = ownersOf(tenant, ad);
    const weights = owners.map((o) => o.weight);
    const parts = owners.map((o) => ({ owner: o.owner, insight: {} }));
    for (const m of METRICS) splitMinor(insight[m], weights).forEach((v, i) => (parts[i].insight[m] = v));
    return parts;
  };
  /** Orders from each ad in each store, over all of history: the core's evidence. */
  const salesOf = (tenant, ads) => {
    const zone = zoneOf(tenant);
    const today = dayOf(new Date(), zone);
    const stores = storesOf(tenant);
    const byStore = new Map();
    if (seed.analytics === 'empty') return [];
    const adIds = new Set(ads.map((a) => a.adId));
    for (let day = addDays(today, -REPORT_HISTORY_DAYS); day <= today; day = addDays(day, 1)) {
      stores.forEach((s, index) => {
        for (const o of ordersOf(index, day)) {
          if (!adIds.has(o.ad)) continue;
          const entry = byStore.get(s.id) || { store: s.id, storeName: s.name, orders: 0, revenueMinor: 0 };
          entry.orders += o.orders;
          entry.revenueMinor += o.revenue;
          byStore.set(s.id, entry);
        }
      });
    }
    return Array.from(byStore.values()).sort((a, b) => b.revenueMinor - a.revenueMinor || a.storeName.localeCompare(b.storeName));
  };
  /** Whole percents of the revenue, most first; a store under half a percent is left out. */
  const suggestOf = (sales) => {
    let candidates = sales.filter((s) => s.orders > 0 && s.revenueMinor > 0);
    while (candidates.length > 0) {
      const percents = splitMinor(100, candidates.map((s) => s.revenueMinor));
      if (percents.every((p) => p > 0))
        return candidates.map((s, i) => ({ store: s.store, storeName: s.storeName, basisPoints: percents[i] * 100 }));
      candidates = candidates.filter((_, i) => percents[i] > 0);
    }
    return null;
  };
  const assignmentView = (tenant, decided) => {
    const names = new Map(storesOf(tenant).map((s) => [s.id, s.name]));
    if (!decided)
      return { state: 'unassigned', shares: [], version: 0, decidedAt: null, reassignedAt: null, changedBy: null };
    return {
      state: decided.shares === null ? 'unassigned' : decided.shares.length === 0 ? 'noStore' : 'stores',
      shares: (decided.shares || []).map((s) => ({ store: s.store, storeName: names.get(s.store) ?? null, basisPoints: s.basisPoints })),
      version: decided.version,
      decidedAt: decided.decidedAt,
      reassignedAt: decided.reassignedAt,
      changedBy: decided.changedBy,
    };
  };
  const campaignsOf = (tenant) => {
    if (seed.analytics === 'empty' || !state.integrations.some((i) => i.tenantId === tenant && i.provider === 'META_ADS')) return [];
    const zone = zoneOf(tenant);
    const today = dayOf(new Date(), zone);
    const first = addDays(today, -REPORT_HISTORY_DAYS);
    const spendOf = (ads) => {
      let spend = 0;
      for (let day = addDays(today, -29); day <= today; day = addDays(day, 1))
        if (day >= first) for (const ad of ads) spend += insightOf(ad, day).spend;
      return spend;
    };
    const ids = Array.from(new Set(REPORT_ADS.map((a) => a.campaignId)));
    return ids
      .map((campaignId) => {
        const ads = REPORT_ADS.filter((a) => a.campaignId === campaignId);
        const sales = salesOf(tenant, ads);
        const adSets = Array.from(new Set(ads.map((a) => a.adsetId))).map((adsetId) => {
          const setAds = ads.filter((a) => a.adsetId === adsetId);
          const setSales = salesOf(tenant, setAds);
          return {
            adsetId,
            name: setAds[0].adsetName,
            assignment: assignmentView(tenant, decisionOf(tenant, campaignId, adsetId)),
            suggestion: suggestOf(setSales),
            sales: setSales,
            spendMinor: spendOf(setAds),
          };
        });
        adSets.sort((a, b) => b.spendMinor - a.spendMinor);
        return {
          campaignId,
          name: ads[0].campaignName,
          assignment: assignmentView(tenant, decisionOf(tenant, campaignId, '')),
          suggestion: suggestOf(sales),
          sales,
          spendMinor: spendOf(ads),
          spendCurrency: 'VND',
          spendExponent: 0,
          adSets,
        };
      })
      .sort((a, b) => b.spendMinor - a.spendMinor);
  };
  const assign = (tenant, changedBy, { campaignId, adsetId, choice, expectedVersion }) => {
    const ads = REPORT_ADS.filter((a) => a.campaignId === campaignId);
    if (choice.kind === 'stores') {
      const shares = choice.shares || [];
      if (shares.length === 0) fail('VALIDATION', 'Choose at least one store, or say the campaign belongs to no store.');
      if (new Set(shares.map((s) => s.store)).size !== shares.length) fail('VALIDATION', 'Each store can be listed once.');
      if (shares.some((s) => !Number.isInteger(s.basisPoints) || s.basisPoints < 1 || s.basisPoints > 10000))
        fail('VALIDATION', 'A store’s share is between 0.01 % and 100 %.');
      const total = shares.reduce((a, s) => a + s.basisPoints, 0);
      if (total !== 10000) fail('VALIDATION', 'The shares add up to ' + total / 100 + ' %; they must add up to 100 %.');
    } else if (choice.kind !== 'noStore' && choice.kind !== 'unassigned') {
      fail('INTERNAL', 'unknown variant `' + choice.kind + '`');
    }
    needsServer();
    if (seed.analytics === 'empty' || ads.length === 0) fail('NOT_FOUND', 'There is no campaign "' + campaignId + '" among the synced Meta ads.');
    if (adsetId && !ads.some((a) => a.adsetId === adsetId)) fail('NOT_FOUND', 'Campaign "' + campaignId + '" has no ad set "' + adsetId + '".');
    if (choice.kind === 'stores')
      for (const s of choice.shares) {
        const store = state.integrations.find((i) => i.tenantId === tenant && i.id === s.store);
        if (!store) fail('NOT_FOUND', 'There is no store ' + s.store + '.');
        if (store.provider !== 'PANCAKE_POS') fail('VALIDATION', '“' + store.name + '” is not a Pancake POS store.');
      }
    const current = decisionOf(tenant, campaignId, adsetId);
    const version = current ? current.version : 0;
    if (expectedVersion !== undefined && expectedVersion !== version)
      fail('STALE_EDIT', 'This campaign’s stores were changed by someone else since you opened them. Reload and make your change again.');
    const shares = choice.kind === 'stores' ? choice.shares.map((s) => ({ store: s.store, basisPoints: s.basisPoints })) : choice.kind === 'noStore' ? [] : null;
    const before = current ? current.shares : null;
    if (JSON.stringify(before) !== JSON.stringify(shares)) {
      const stamp = now();
      assignments[keyOf(campaignId, adsetId)] = {
        tenantId: tenant,
        shares,
        version: ++nextAssignmentVersion,
        decidedAt: shares === null ? null : stamp,
        reassignedAt: before !== null ? stamp : current ? current.reassignedAt : null,
        changedBy,
      };
      moved();
    }
    return campaignsOf(tenant).find((c) => c.campaignId === campaignId);
  };
  for (const a of seed.assignments || []) {
    const tenant = state.users[0].tenantId;
    const byName = (name) => state.integrations.find((i) => i.name === name).id;
    assignments[keyOf(a.campaignId, a.adsetId)] = {
      tenantId: tenant,
      shares: a.shares === null ? null : a.shares.map((s) => ({ store: byName(s.store), basisPoints: Math.round(s.percent * 100) })),
      version: ++nextAssignmentVersion,
      decidedAt: a.decidedAt || '2026-11-01T02:00:00Z',
      reassignedAt: a.reassignedAt || null,
      changedBy: state.users[0].email,
    };
  }

  const reportOf = (query) => {
    const tenant = account().tenantId;
    const { from, to, store, by } = query;
    if (!isDay(from) || !isDay(to)) fail('VALIDATION', 'Days are written YYYY-MM-DD.');
    if (from > to) fail('VALIDATION', 'The range starts (' + from + ') after it ends (' + to + ').');
    const stores = storesOf(tenant);
    if (store !== undefined) {
      const chosen = state.integrations.find((i) => i.tenantId === tenant && i.id === store) || fail('NOT_FOUND', 'There is no such store.');
      if (chosen.provider !== 'PANCAKE_POS') fail('VALIDATION', '“' + chosen.name + '” is not a Pancake POS store.');
    }
    if (query.timeZone !== undefined && !knownZone(query.timeZone))
      fail('VALIDATION', 'Unknown time zone ' + JSON.stringify(String(query.timeZone)) + '; use an IANA name such as Asia/Ho_Chi_Minh.');
    const zone = query.timeZone || zoneOf(tenant);
    const today = dayOf(new Date(), zone);
    const first = addDays(today, -REPORT_HISTORY_DAYS);
    const days = [];
    for (let day = from; day <= to; day = addDays(day, 1)) {
      days.push(day);
      if (days.length > 1130) fail('VALIDATION', 'The range covers more than 1130 days; a report covers at most 1130 (Meta keeps 37 months).');
    }
    const perStore = store !== undefined || by === 'store';
    const hasData = (day) => seed.analytics !== 'empty' && day >= first && day <= today;
    const totals = blankMetrics();
    const rows = [];
    const byKey = new Map();
    const unknown = new Map();
    const noAd = { kind: 'noAd', key: '', name: null, campaignName: null, metrics: blankMetrics() };
    const rowFor = (adId) => {
      const ad = REPORT_ADS.find((a) => a.adId === adId);
      const key = by === 'campaign' ? ad.campaignId : ad.adId;
      if (!byKey.has(key))
        byKey.set(key, by === 'campaign'
          ? { kind: 'campaign', key, name: ad.campaignName, campaignName: null, metrics: blankMetrics() }
          : { kind: 'ad', key, name: ad.adName, campaignName: ad.campaignName, metrics: blankMetrics() });
      return byKey.get(key);
    };
    const owners = new Map();
    const ownerRow = (owner) => {
      if (!owners.has(owner)) {
        const s = stores.find((x) => x.id === owner);
        owners.set(owner, s
          ? { kind: 'store', key: s.id, name: s.name, campaignName: null, metrics: blankMetrics() }
          : { kind: owner === 'none' ? 'noStore' : 'unassigned', key: '', name: null, campaignName: null, metrics: blankMetrics() });
      }
      return owners.get(owner);
    };
    if (by === 'store') for (const s of stores) if (store === undefined || s.id === store) ownerRow(s.id);
    const unassignedSpend = new Map();
    const spentAds = new Set();
    let accountSpend = false;
    let anySpend = false;
    let anyOrder = false;
    for (const day of days) {
      const dayRow = { kind: 'day', key: day, name: null, campaignName: null, metrics: blankMetrics() };
      if (by === 'day') rows.push(dayRow);
      if (!hasData(day)) continue;
      for (const ad of REPORT_ADS) {
        const whole = insightOf(ad, day);
        const parts = perStore ? splitInsight(tenant, ad, whole) : [{ owner: null, insight: whole }];
        if (whole.spend > 0) accountSpend = true;
        if (perStore && whole.spend > 0) spentAds.add(ad);
        for (const { owner, insight } of parts) {
          if (owner === 'unassigned' && insight.spend > 0)
            unassignedSpend.set(ad.campaignName, (unassignedSpend.get(ad.campaignName) || 0) + insight.spend);
          if (store !== undefined && owner !== store) continue;
          anySpend = anySpend || insight.spend > 0;
          addInsight(totals, insight);
          if (by === 'day') addInsight(dayRow.metrics, insight);
          else if (by === 'store') addInsight(ownerRow(owner).metrics, insight);
          else addInsight(rowFor(ad.adId).metrics, insight);
        }
      }
      stores.forEach((s, index) => {
        if (store !== undefined && s.id !== store) return;
        for (const o of ordersOf(index, day)) {
          anyOrder = true;
          addOrders(totals, o);
          if (by === 'day') addOrders(dayRow.metrics, o);
          else if (by === 'store') addOrders(ownerRow(s.id).metrics, o);
          else if (o.ad === null) addOrders(noAd.metrics, o);
          else if (o.ad === UNKNOWN_AD) {
            const key = by === 'ad' ? o.ad : '';
            if (!unknown.has(key)) unknown.set(key, { kind: 'unknownAd', key, name: null, campaignName: null, metrics: blankMetrics() });
            addOrders(unknown.get(key).metrics, o);
          } else addOrders(rowFor(o.ad).metrics, o);
        }
      });
    }
    const weight = (a, b) => b.metrics.spendMinor - a.metrics.spendMinor || b.metrics.revenueMinor - a.metrics.revenueMinor || (a.key < b.key ? -1 : 1);
    if (by === 'store') {
      const all = Array.from(owners.values());
      rows.push(...all.filter((r) => r.kind === 'store').sort(weight));
      const blank = (r) => r.metrics.spendMinor === 0 && r.metrics.impressions === 0 && r.metrics.orders === 0;
      rows.push(...all.filter((r) => r.kind === 'unassigned' && !blank(r)), ...all.filter((r) => r.kind === 'noStore' && !blank(r)));
    } else if (by !== 'day') {
      rows.push(...Array.from(byKey.values()).sort(weight), ...Array.from(unknown.values()).sort(weight));
      if (noAd.metrics.orders > 0) rows.push(noAd);
    }
    rows.forEach((r) => finish(r.metrics));
    const warnings = [];
    if (perStore && unassignedSpend.size > 0) {
      const named = Array.from(unassignedSpend.entries()).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
      warnings.push({ kind: 'unassignedSpend', spendMinor: named.reduce((a, [, v]) => a + v, 0), campaigns: named.map(([name]) => name) });
    }
    if (perStore) {
      const seen = new Set();
      for (const ad of spentAds) {
        const decided = decidingOf(tenant, ad);
        if (!decided || !decided.reassignedAt || dayOf(new Date(decided.reassignedAt), zone) < from) continue;
        const adsetDecides = decisionOf(tenant, ad.campaignId, ad.adsetId) === decided;
        const key = keyOf(ad.campaignId, adsetDecides ? ad.adsetId : '');
        if (seen.has(key)) continue;
        seen.add(key);
        warnings.push({ kind: 'reassigned', campaignId: ad.campaignId, campaignName: ad.campaignName,
          adsetId: adsetDecides ? ad.adsetId : null, adsetName: adsetDecides ? ad.adsetName : null, at: decided.reassignedAt });
      }
    }
    const source = state.mode !== 'shared' ? { kind: 'local' } : offline() ? { kind: 'mirror', asOf: state.mirrorAsOf } : { kind: 'server' };
    return {
      from, to, timeZone: zone, by, store: store === undefined ? null : store,
      // A store's report reads in the account's currency even when none of the spend is its own.
      spendCurrency: anySpend || (perStore && accountSpend) ? 'VND' : null, revenueCurrency: anyOrder ? 'VND' : null,
      spendExponent: 0, revenueExponent: 0,
      rows, totals: finish(totals), warnings,
      source, generatedAt: now(),
    };
  };

  // Turning an integration on or off; offline it waits in the outbox, as the core's edits do.
  const setEnabled = (id, enabled) => {
    const i = find(id);
    const queued = offline();
    if (queued) queue(i, { enabled });
    applyChange(i, { enabled });
    if (!queued) touch(i);
    return pub(i);
  };

  const commands = {
    app_status: () => ({
      mode: state.mode,
      firstRun: !state.configured,
      dataDir: '/home/chu/.local/share/vn.integration-manager',
      coreError: null,
      workspace: state.joined,
    }),
    // A code is `imc1.` and more; one naming "revoked" was revoked by the operator, "offline"
    // names a server that does not answer. A good one joins the first seed user's workspace.
    join_workspace: ({ code }) => {
      if (state.joined) fail('VALIDATION', 'This computer is already joined to a shared workspace: leave it first (Settings).');
      if (!/^imc1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(code)) fail('VALIDATION', 'This is not a workspace connection code.');
      if (code.includes('revoked')) fail('UNAUTHENTICATED', 'The server refused this code.');
      if (code.includes('offline')) fail('DATABASE_UNAVAILABLE', 'The database cannot be reached.');
      const owner = state.users[0];
      state.joined = {
        server: 'db.shop.vn:5432/integrations',
        workspaceId: '7d0c1c5e-2f7a-4c8e-9a51-3f1d2b6e8a90',
        workspaceName: owner ? owner.tenantName : 'Shop thời trang',
        keyLocation: 'keychain',
      };
      state.configured = true;
      state.mode = 'shared';
      state.link = 'ONLINE';
      state.mirrorAsOf = now();
      state.session = null;
      return commands.app_status();
    },
    leave_workspace: () => {
      if (!state.joined) fail('VALIDATION', 'This computer is not joined to a shared workspace.');
      state.joined = null;
      state.session = null;
      state.configured = false;
      state.mode = 'standalone';
      state.link = 'STANDALONE';
      state.mirrorAsOf = null;
      return commands.app_status();
    },
    configure_database: ({ postgresUrl, masterKey }) => {
      if (postgresUrl !== null && !/^postgres(ql)?:\/\//.test(postgresUrl))
        fail('CONFIGURATION', 'The PostgreSQL URL must start with postgres://.');
      if (postgresUrl !== null && (masterKey || '').length < 32)
        fail('CONFIGURATION', 'The master key must be at least 32 characters.');
      state.configured = true;
      state.mode = postgresUrl ? 'shared' : 'standalone';
      state.link = postgresUrl ? 'ONLINE' : 'STANDALONE';
      state.mirrorAsOf = postgresUrl ? now() : null;
      return commands.app_status();
    },
    get_preferences: () => Object.assign({}, state.prefs),
    set_preferences: ({ preferences }) => {
      state.prefs = Object.assign({}, preferences);
      return Object.assign({}, state.prefs);
    },
    sign_up: ({ tenantName, email, password }) => {
      if (!tenantName.trim()) fail('VALIDATION', 'Enter a workspace name.');
      if (password.length < 8) fail('VALIDATION', 'The password must be at least 8 characters.');
      if (state.users.some((u) => u.email === email)) fail('VALIDATION', 'A workspace cannot be created with this email. If you already have an account, sign in; otherwise check the email or use another one.');
      const n = state.users.length + 1;
      const user = { userId: 'u-' + n, tenantId: 't-' + n, tenantName, email, password };
      state.users.push(user);
      state.session = user;
      state.prefs.lastEmail = email;
      return account();
    },
    sign_in: ({ email, password }) => {
      const user = state.users.find((u) => u.email === email && u.password === password);
      if (!user) fail('UNAUTHENTICATED', 'Incorrect email or password.');
      state.session = user;
      state.prefs.lastEmail = email;
      return account();
    },
    sign_out: () => {
      state.session = null;
      return null;
    },
    current_account: () => (state.session ? account() : null),
    set_time_zone: ({ timeZone }) => {
      const tenant = account().tenantId;
      if (!knownZone(timeZone))
        fail('VALIDATION', 'Unknown time zone ' + JSON.stringify(String(timeZone ?? '').trim()) + '; use an IANA name such as Asia/Ho_Chi_Minh.');
      needsServer();
      state.zones[tenant] = timeZone.trim();
      return account();
    },
    list_integrations: () => mine().map(pub),
    get_integration: ({ id }) => pub(find(id)),
    connect_pancake: ({ apiKey, description, shopId }) => {
      account();
      needsServer();
      if (apiKey === 'rejected')
        fail('PROVIDER_ERROR', 'Pancake POS rejected the API key. Check it in Pancake POS → Settings → Advanced.', 'PROVIDER_AUTH_REJECTED');
      const shops = SHOPS[apiKey];
      if (!shops) fail('PROVIDER_ERROR', 'Invalid API response: the key has no access to any shop.', 'PROVIDER_INVALID_RESPONSE');
      const connected = (id) => mine().some((i) => i.provider === 'PANCAKE_POS' && i.config.shopId === id);
      const choices = shops.map((s) => ({ id: s.id, name: s.name, avatarUrl: 'https://statics.pancake.vn/' + s.id + '.png', alreadyConnected: connected(s.id) }));
      const shop = chosenOf(shops, shopId, 'This API key has no access to that shop.');
      if (shop === null) return { outcome: 'chooseShop', shops: choices };
      if (connected(shop.id)) fail('CONFLICT', 'This store is already connected.');
      return { outcome: 'created', integration: pub(create('PANCAKE_POS', shop.name, description, { shopId: shop.id }, apiKey)) };
    },
    connect_meta: ({ accessToken, description, adAccountId }) => {
      needsServer();
      if (mine().some((i) => i.provider === 'META_ADS'))
        fail('CONFLICT', 'Only one Meta Ads integration is allowed per workspace. Delete the existing one first.');
      if (accessToken === 'rejected')
        fail('PROVIDER_ERROR', 'Meta rejected the access token (it may have expired). Create a new token and try again.', 'PROVIDER_AUTH_REJECTED');
      const accounts = ACCOUNTS[accessToken] || fail('PROVIDER_ERROR', 'This token has no ad accounts.', 'PROVIDER_INVALID_RESPONSE');
      const choices = accounts.map((a) => Object.assign({ alreadyConnected: false }, a));
      const chosen = chosenOf(accounts, adAccountId, 'This token has no access to that ad account.');
      if (chosen === null) return { outcome: 'chooseAdAccount', accounts: choices };
      return { outcome: 'created', integration: pub(create('META_ADS', chosen.name, description, { adAccountId: chosen.id }, accessToken)) };
    },
    update_integration: ({ id, update }) => {
      const i = find(id);
      if (update.expectedVersion !== undefined && update.expectedVersion !== i.version)
        fail('STALE_EDIT', 'The integration was changed elsewhere; reload it and try again.');
      if (offline()) {
        if (update.secret !== undefined || update.shopId !== undefined || update.adAccountId !== undefined) needsServer();
        if (update.name !== undefined && !update.name.trim()) fail('VALIDATION', 'The name cannot be empty.');
        const change = {};
        if (update.name !== undefined) change.name = update.name;
        if (update.description !== undefined) change.description = update.description;
        queue(i, change);
        applyChange(i, change);
        return pub(i);
      }
      if (update.name !== undefined) {
        if (!update.name.trim()) fail('VALIDATION', 'The name cannot be empty.');
        i.name = update.name;
      }
      if (update.description !== undefined) i.description = update.description;
      if (update.secret !== undefined) {
        i.secret = update.secret;
        i.credentialsHint = hint(update.secret);
      }
      if (update.shopId !== undefined) i.config = { shopId: update.shopId };
      if (update.adAccountId !== undefined) i.config = { adAccountId: update.adAccountId };
      touch(i);
      return pub(i);
    },
    delete_integration: ({ id }) => {
      const i = find(id);
      needsServer();
      state.integrations = state.integrations.filter((x) => x !== i);
      return null;
    },
    enable_integration: ({ id }) => setEnabled(id, true),
    disable_integration: ({ id }) => setEnabled(id, false),
    test_connection: ({ id }) => {
      const i = find(id);
      needsServer();
      const provider = i.provider === 'META_ADS' ? 'Meta' : 'Pancake POS';
      const ok = !i.secret.includes('bad');
      i.lastError = ok ? null : provider + ' rejected the API key.';
      if (i.enabled) i.status = ok ? 'ACTIVE' : 'ERROR';
      touch(i);
      return ok
        ? { integration: pub(i), success: true, message: provider + ' answered for “' + i.name + '”.' }
        : { integration: pub(i), success: false, message: i.lastError, providerCode: 'PROVIDER_AUTH_REJECTED' };
    },
    sync_now: ({ id }) => {
      const i = find(id);
      needsServer();
      if (!i.enabled) fail('VALIDATION', 'Turn this integration on first: only enabled integrations sync.');
      state.schedules[i.id].requested = true;
      return scheduleOf(i);
    },
    sync_all: () => {
      account();
      needsServer();
      let asked = 0;
      for (const i of mine()) {
        if (!i.enabled) continue;
        state.schedules[i.id].requested = true;
        asked += 1;
      }
      return asked;
    },
    sync_activity: () => {
      const tenant = account().tenantId;
      advanceSyncs();
      const mineIds = new Set(state.integrations.filter((i) => i.tenantId === tenant).map((i) => i.id));
      return Object.entries(state.activity)
        .filter(([id, a]) => mineIds.has(id) && (a.progress.outcome === null || Date.now() - a.at < FINISHED_VISIBLE_MS))
        .map(([, a]) => a.progress)
        .sort((a, b) => a.integrationName.localeCompare(b.integrationName));
    },
    sync_history: ({ id, limit }) => {
      const i = find(id);
      return state.runs
        .filter((r) => r.integrationId === i.id)
        .slice()
        .sort((a, b) => b.startedAt.localeCompare(a.startedAt))
        .slice(0, Math.min(Math.max(limit || 50, 1), 500))
        .map(publicRun);
    },
    sync_schedule: ({ id }) => scheduleOf(find(id)),
    set_sync_interval: ({ id, minutes }) => {
      const i = find(id);
      if (!Number.isInteger(minutes) || minutes < 5 || minutes > 10080)
        fail('VALIDATION', 'The sync interval must be between 5 minutes and 7 days.');
      needsServer();
      if (!i.enabled) fail('VALIDATION', 'Turn this integration on first: only enabled integrations have a schedule.');
      const s = state.schedules[i.id];
      s.intervalMinutes = minutes;
      s.nextRunAt = new Date(Date.parse(i.lastSyncAt || now()) + minutes * 60000).toISOString();
      return scheduleOf(i);
    },
    realtime_orders: ({ id }) => realtimeOf(find(id)),
    set_realtime_orders: ({ id, enabled }) => {
      const i = find(id);
      needsServer();
      if (state.mode !== 'shared')
        fail('CONFIGURATION', 'Receiving orders in real time needs a shared server: Pancake posts to its address, which a computer on its own has not.');
      if (i.provider !== 'PANCAKE_POS') fail('VALIDATION', 'Only Pancake POS integrations send webhooks.');
      const shop = i.config.shopId;
      if (enabled) {
        if (!state.publicUrl)
          fail('CONFIGURATION', "The server's public address is not set yet: ask its operator to set INTEGRATIONS_PUBLIC_URL where `integrations serve` runs.");
        const url = state.publicUrl + '/webhooks/pancake/' + i.id;
        state.pancakeWebhooks[shop] = { webhook_enable: true, webhook_url: url, webhook_headers: { 'X-Integrations-Secret': 'secret-of-' + i.id } };
        state.realtime[i.id] = { url, registeredAt: now() };
      } else {
        state.pancakeWebhooks[shop] = { webhook_enable: false };
        delete state.realtime[i.id];
      }
      return realtimeOf(i);
    },
    webhook_deliveries: ({ id, limit }) => {
      const i = find(id);
      if (state.mode !== 'shared')
        fail('CONFIGURATION', 'Receiving orders in real time needs a shared server: Pancake posts to its address, which a computer on its own has not.');
      needsServer();
      return (state.deliveries[i.id] || []).slice(0, Math.min(Math.max(limit || 50, 1), 500));
    },
    report: ({ query }) => reportOf(query),
    list_campaigns: () => campaignsOf(account().tenantId),
    assign_campaign: ({ assignment }) => assign(account().tenantId, account().email, assignment),
    export_report: ({ query }) => {
      const report = reportOf(query);
      const stem = 'ad-spend-vs-sales_' + report.from + '_' + report.to + '_by-' + report.by;
      const taken = state.exports.filter((e) => e.stem === stem).length;
      const path = '/home/chu/Downloads/' + stem + (taken ? ' (' + (taken + 1) + ')' : '') + '.csv';
      state.exports.push({ stem, path, query });
      return path;
    },
    alerts: () => {
      account();
      const alerts = state.alerts.map((a) => Object.assign({}, a, { computedOffline: false }));
      const unread = alerts.filter((a) => a.clearedAt === null && a.dismissedAt === null).length;
      return { alerts, unread, computedOffline: offline() };
    },
    dismiss_alert: ({ id }) => {
      account();
      const a = state.alerts.find((x) => x.id === id) || fail('NOT_FOUND', 'There is no such alert.');
      if (a.dismissedAt === null) a.dismissedAt = now();
      return a;
    },
    alert_settings: () => {
      account();
      return state.alertSettings;
    },
    set_alert_settings: ({ settings }) => {
      account();
      const limits = { spendSpikePercent: [101, 10000], roasFloorPercent: [0, 100000], roasDropPercent: [1, 100], quietWeeks: [1, 12], quietMinMinutes: [15, 10080], syncFailingHours: [1, 168], tokenExpiryDays: [1, 60] };
      for (const [key, [min, max]] of Object.entries(limits)) {
        const value = settings[key];
        if (!Number.isInteger(value) || value < min || value > max) fail('VALIDATION', 'A threshold (' + key + ') must be between ' + min + ' and ' + max + '; ' + value + ' is outside.');
      }
      state.alertSettings = Object.assign({}, settings);
      return state.alertSettings;
    },
    connectivity_status: () => connectivity(),
    about: () => ({
      version: '0.1.0',
      commit: '8e9eae6a1b2c',
      dataDir: '/home/chu/.local/share/vn.integrationmanager.desktop',
      logDir: '/home/chu/.local/share/vn.integrationmanager.desktop/logs',
    }),
    open_log_folder: () => null,
    first_screen_ready: () => null,
    get_autostart: () => Boolean(state.autostart),
    set_autostart: ({ enabled }) => (state.autostart = Boolean(enabled)),
    available_update: () => null,
    check_for_update: () => null,
    install_update: () => fail('VALIDATION', 'No update is waiting to be installed: check for updates first.'),
    restart_app: () => fail('VALIDATION', 'Restart the app only after installing an update.'),
    resolve_conflict: ({ seq, keep }) => {
      const c = state.conflicts.find((x) => x.seq === seq) || fail('NOT_FOUND', 'This conflict was already settled.');
      needsServer();
      if (keep !== 'MINE' && keep !== 'SERVER') fail('VALIDATION', 'Choose MINE or SERVER.');
      if (keep === 'MINE') {
        if (!c.server) fail('NOT_FOUND', 'The integration was deleted on the server.');
        const i = find(c.integrationId);
        applyChange(i, c.mine);
        touch(i);
      }
      state.conflicts = state.conflicts.filter((x) => x !== c);
      moved();
      return connectivity();
    },
  };

  window.__fake = window.__fakeCore = {
    state,
    /** The commands it answers; a unit test holds them against the core's (bindings/Commands.ts). */
    commandNames: Object.keys(commands),
    /** Someone else edits the integration: its version moves on. */
    editElsewhere(name, patch) {
      const i = state.integrations.find((x) => x.name === name);
      Object.assign(i, patch);
      touch(i);
    },
    /** The server stops answering: reads come from the mirror, some edits are queued. */
    goOffline() {
      state.link = 'OFFLINE';
      moved();
    },
    /** The server answers again: the outbox is sent, in order; clashes become conflicts. */
    goOnline() {
      const ids = new Set(state.outbox.map((q) => q.integrationId).concat(Object.keys(state.serverEdits)));
      for (const id of ids) {
        const queued = state.outbox.filter((q) => q.integrationId === id);
        const edit = state.serverEdits[id];
        const index = state.integrations.findIndex((x) => x.id === id);
        if (index < 0) continue;
        if (edit === undefined) {
          // Accepted: the mirror already shows the changes; the server counts one version each.
          for (let n = 0; n < queued.length; n++) touch(state.integrations[index]);
          continue;
        }
        // The mirror catches up with the server's version; my changes wait in conflicts.
        let server = null;
        if (edit === 'deleted') {
          state.integrations.splice(index, 1);
        } else {
          server = Object.assign({}, state.serverCopies[id] || state.integrations[index], edit);
          touch(server);
          state.integrations[index] = server;
        }
        for (const q of queued)
          state.conflicts.push({ seq: q.seq, integrationId: id, integrationName: q.integrationName, mine: q.change, server: server && Object.assign({}, server), queuedAt: q.queuedAt });
      }
      // The mirror catches up with syncs that finished meanwhile; they are no edits, so they
      // neither conflict with queued changes nor move the version.
      for (const [id, outcome] of Object.entries(state.serverSyncs)) {
        const i = state.integrations.find((x) => x.id === id);
        if (i) Object.assign(i, outcome, i.enabled ? { status: 'ACTIVE' } : {});
      }
      state.outbox = [];
      state.serverEdits = {};
      state.serverSyncs = {};
      state.serverCopies = {};
      state.link = 'ONLINE';
      state.mirrorAsOf = now();
      moved();
    },
    /** While offline, someone changes the integration on the server. */
    editOnServer(name, patch) {
      const i = state.integrations.find((x) => x.name === name);
      state.serverEdits[i.id] = Object.assign(state.serverEdits[i.id] || {}, patch);
    },
    /** While offline, another computer's sync of the integration finishes on the server. */
    syncOnServer(name) {
      const i = state.integrations.find((x) => x.name === name);
      state.serverSyncs[i.id] = { lastSyncAt: now(), lastError: null };
    },
    /** Runs stop after `steps` steps (0: right after starting) until `releaseSyncs()`. */
    holdSyncs(steps) {
      state.holdAt = steps;
    },
    releaseSyncs() {
      state.holdAt = null;
    },
    /** Another computer decides a campaign's stores: [{store: <integration name>, percent}]. */
    assignElsewhere(campaignId, shares) {
      const tenant = state.users[0].tenantId;
      const byName = (name) => state.integrations.find((i) => i.name === name).id;
      const current = decisionOf(tenant, campaignId, '');
      const stamp = now();
      assignments[keyOf(campaignId, '')] = {
        tenantId: tenant,
        shares: shares.map((s) => ({ store: byName(s.store), basisPoints: Math.round(s.percent * 100) })),
        version: ++nextAssignmentVersion,
        decidedAt: stamp,
        reassignedAt: current && current.shares !== null ? stamp : null,
        changedBy: 'ke-toan@shop.vn',
      };
      moved();
    },
    /** Pancake posts a delivery to the store's webhook: it goes to the top of its log. */
    deliver(name, delivery) {
      const i = state.integrations.find((x) => x.name === name);
      const log = (state.deliveries[i.id] = state.deliveries[i.id] || []);
      log.unshift(Object.assign({ integrationId: i.id, receivedAt: now(), reference: null, sizeBytes: 0 }, delivery));
    },
    /** While offline, someone deletes the integration on the server. */
    deleteOnServer(name) {
      const i = state.integrations.find((x) => x.name === name);
      state.serverEdits[i.id] = 'deleted';
    },
  };

  // eslint-disable-next-line no-undef
  mockIPC(async (cmd, args) => {
    state.calls.push({ cmd, args });
    await new Promise((resolve) => setTimeout(resolve, 40));
    const command = commands[cmd];
    if (!command) throw { code: 'INTERNAL', message: 'unmocked command ' + cmd };
    // Deep copies both ways, as serialisation across IPC would.
    return JSON.parse(JSON.stringify(command(JSON.parse(JSON.stringify(args || {}))) ?? null));
  });
}
