import type { EntityManager } from 'typeorm';
import type { ChannelKind } from './channels.service.js';

/** Encryption purpose of residents' display names (from LINE profiles and ID tokens). */
export const RESIDENT_NAME_PURPOSE = 'resident.display_name';

/**
 * Friend status of a resident from follow/unfollow events. Events may arrive out of order, so a
 * status change applies only when the event is newer than the last change recorded.
 */
export async function recordFollow(
  m: EntityManager,
  kind: ChannelKind,
  userId: string,
  at: Date,
): Promise<void> {
  await m.query(
    `insert into resident (tenant_id, channel_kind, line_user_id, friend_status, status_changed_at, first_followed_at, followed_at, last_event_at)
     values (current_setting('app.tenant_id')::uuid, $1, $2, 'friend', $3, $3, $3, $3)
     on conflict (tenant_id, channel_kind, line_user_id) do update set
       friend_status = case when resident.status_changed_at is null or resident.status_changed_at <= excluded.status_changed_at
                            then 'friend' else resident.friend_status end,
       blocked_since = case when resident.status_changed_at is null or resident.status_changed_at <= excluded.status_changed_at
                            then null else resident.blocked_since end,
       followed_at = greatest(resident.followed_at, excluded.followed_at),
       first_followed_at = least(coalesce(resident.first_followed_at, excluded.first_followed_at), excluded.first_followed_at),
       status_changed_at = greatest(resident.status_changed_at, excluded.status_changed_at),
       last_event_at = greatest(resident.last_event_at, excluded.last_event_at),
       updated_at = now()`,
    [kind, userId, at],
  );
}

export async function recordUnfollow(
  m: EntityManager,
  kind: ChannelKind,
  userId: string,
  at: Date,
): Promise<void> {
  await m.query(
    `insert into resident (tenant_id, channel_kind, line_user_id, friend_status, status_changed_at, blocked_since, last_event_at)
     values (current_setting('app.tenant_id')::uuid, $1, $2, 'blocked', $3, $3, $3)
     on conflict (tenant_id, channel_kind, line_user_id) do update set
       friend_status = case when resident.status_changed_at is null or resident.status_changed_at <= excluded.status_changed_at
                            then 'blocked' else resident.friend_status end,
       blocked_since = case when resident.status_changed_at is null or resident.status_changed_at <= excluded.status_changed_at
                            then excluded.blocked_since else resident.blocked_since end,
       status_changed_at = greatest(resident.status_changed_at, excluded.status_changed_at),
       last_event_at = greatest(resident.last_event_at, excluded.last_event_at),
       updated_at = now()`,
    [kind, userId, at],
  );
}

/** First contact without a follow (e.g. a message from an existing friend) creates the resident. */
export async function recordContact(
  m: EntityManager,
  kind: ChannelKind,
  userId: string,
  at: Date,
): Promise<void> {
  await m.query(
    `insert into resident (tenant_id, channel_kind, line_user_id, friend_status, last_event_at)
     values (current_setting('app.tenant_id')::uuid, $1, $2, 'unknown', $3)
     on conflict (tenant_id, channel_kind, line_user_id) do update set
       last_event_at = greatest(resident.last_event_at, excluded.last_event_at), updated_at = now()`,
    [kind, userId, at],
  );
}
