import { jstMonth } from '../state/channel.js';
import type { ChannelState } from '../state/channel.js';
import type { TalkEntry } from '../state/types.js';
import type { Ctx, Endpoints } from './types.js';

/**
 * Insight computed from what the emulator saw: a message counts as an impression once the talk view
 * (or POST /_emulator/.../read) showed it, and as a click when a uri action in it was tapped. LINE
 * hides small numbers for privacy: every count below 20 is null. LINE also publishes statistics
 * only some time after sending: with the channel's `insightDelayMs`, messages younger than that are
 * not aggregated yet, so a unit whose messages are all too young answers with no message at all
 * (`messages: []`), unlike a unit with too few users (messages listed, counts null).
 */
const PRIVACY_MIN = 20;
const shown = (n: number) => (n < PRIVACY_MIN ? null : n);

const JST = 9 * 3600_000;
/** Start (UTC ms) of a yyyyMMdd day in Japan time. */
function jstDayStart(yyyymmdd: string): number {
  return Date.UTC(+yyyymmdd.slice(0, 4), +yyyymmdd.slice(4, 6) - 1, +yyyymmdd.slice(6, 8)) - JST;
}
const jstDate = (ms: number) => new Date(ms + JST).toISOString().slice(0, 10).replaceAll('-', '');

/** Bot messages that `pick` selects and that LINE has aggregated by `now`. */
function botEntries(channel: ChannelState, now: number, pick: (e: TalkEntry) => boolean): TalkEntry[] {
  const aggregatedBefore = now - channel.config.insightDelayMs;
  const out: TalkEntry[] = [];
  for (const list of channel.talk.values())
    for (const e of list) if (e.from === 'bot' && e.at <= aggregatedBefore && pick(e)) out.push(e);
  return out;
}

const MEDIA_NULLS = {
  mediaPlayed: null,
  mediaPlayed25Percent: null,
  mediaPlayed50Percent: null,
  mediaPlayed75Percent: null,
  mediaPlayed100Percent: null,
  uniqueMediaPlayed: null,
  uniqueMediaPlayed25Percent: null,
  uniqueMediaPlayed50Percent: null,
  uniqueMediaPlayed75Percent: null,
  uniqueMediaPlayed100Percent: null,
};

function interactions(entries: TalkEntry[]) {
  const readers = new Set(entries.filter((e) => e.readAt).map((e) => e.userId));
  const clickers = new Set(entries.filter((e) => e.clicks?.length).map((e) => e.userId));
  const seqs = [...new Set(entries.map((e) => e.seq ?? 1))].sort((a, b) => a - b);
  const messages = seqs.map((seq) => ({
    seq,
    impression: shown(entries.filter((e) => (e.seq ?? 1) === seq && e.readAt).length),
    ...MEDIA_NULLS,
  }));
  const clickMap = new Map<string, { seq: number; url: string; click: number; users: Set<string> }>();
  for (const e of entries)
    for (const c of e.clicks ?? []) {
      const key = `${e.seq ?? 1}\n${c.url}`;
      let row = clickMap.get(key);
      if (!row) clickMap.set(key, (row = { seq: e.seq ?? 1, url: c.url, click: 0, users: new Set() }));
      row.click++;
      row.users.add(e.userId);
    }
  const clicks = [...clickMap.values()].map((r) => ({
    seq: r.seq,
    url: r.url,
    click: shown(r.click),
    uniqueClick: shown(r.users.size),
    uniqueClickOfRequest: shown(r.users.size),
  }));
  return { uniqueImpression: shown(readers.size), uniqueClick: shown(clickers.size), messages, clicks };
}

function perUnit(ctx: Ctx) {
  const { customAggregationUnit: unit, from, to } = ctx.query as Record<string, string>;
  const start = jstDayStart(from!);
  const end = jstDayStart(to!) + 24 * 3600_000;
  const entries = botEntries(
    ctx.channel,
    ctx.now,
    (e) => e.aggregationUnit === unit && e.at >= start && e.at < end,
  );
  const { uniqueImpression, uniqueClick, messages, clicks } = interactions(entries);
  return {
    body: {
      overview: { uniqueImpression, uniqueClick, uniqueMediaPlayed: null, uniqueMediaPlayed100Percent: null },
      messages,
      clicks,
    },
  };
}

function messageEvent(ctx: Ctx) {
  const requestId = ctx.query.requestId!;
  const entries = botEntries(ctx.channel, ctx.now, (e) => e.requestId === requestId);
  const { uniqueImpression, uniqueClick, messages, clicks } = interactions(entries);
  const delivered = new Set(entries.map((e) => e.userId)).size;
  return {
    body: {
      overview: {
        requestId,
        timestamp: entries[0] ? Math.floor(entries[0].at / 1000) : 0,
        delivered: shown(delivered),
        uniqueImpression,
        uniqueClick,
        uniqueMediaPlayed: null,
        uniqueMediaPlayed100Percent: null,
      },
      messages,
      clicks,
    },
  };
}

/** Followers as of the end of a day (JST); the current day is not counted yet ("unready"). */
function followers(ctx: Ctx) {
  const date = ctx.query.date ?? jstDate(ctx.now - 24 * 3600_000);
  const end = jstDayStart(date) + 24 * 3600_000;
  if (end > ctx.now) return { body: { status: 'unready' } };
  const users = [...ctx.channel.users.values()];
  return {
    body: {
      status: 'ready',
      followers: users.filter((u) => u.firstFollowedAt !== undefined && u.firstFollowedAt < end).length,
      targetedReaches: users.filter((u) => u.status === 'friend' && (u.followedAt ?? 0) < end).length,
      blocks: users.filter((u) => u.status === 'blocked' && (u.blockedAt ?? 0) < end).length,
    },
  };
}

function unitsThisMonth(ctx: Ctx): string[] {
  return [...(ctx.channel.aggregationUnits.get(jstMonth(ctx.now)) ?? [])];
}

export const insightEndpoints: Endpoints = {
  getNumberOfFollowers: { handle: followers },
  getStatisticsPerUnit: { handle: perUnit },
  getMessageEvent: { handle: messageEvent },
  getAggregationUnitUsage: {
    handle: (ctx) => ({ body: { numOfCustomAggregationUnits: unitsThisMonth(ctx).length } }),
  },
  getAggregationUnitNameList: {
    handle: (ctx) => {
      const all = unitsThisMonth(ctx);
      const limit = Number(ctx.query.limit ?? 100);
      const start = Number(ctx.query.start ?? 0) || 0;
      const next = start + limit < all.length ? String(start + limit) : undefined;
      return { body: { customAggregationUnits: all.slice(start, start + limit), ...(next ? { next } : {}) } };
    },
  },
};
