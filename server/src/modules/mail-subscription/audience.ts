import type { ChannelKind } from '../line/channels.service.js';

/**
 * Who a delivery can reach (DEL-10): friends of a LINE channel, or citizens who subscribed by
 * e-mail (`resident.channel_kind = 'mail'`, no LINE user id). LINE code keeps `ChannelKind`, which
 * never includes `mail`, so a gateway, a webhook or a multicast can never be handed a subscriber.
 */
export type AudienceKind = ChannelKind | 'mail';

export const MAIL_KIND = 'mail' satisfies AudienceKind;
