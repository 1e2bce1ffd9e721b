import { subject } from '@casl/ability';
import { z } from 'zod';
import { HttpError } from '../../platform/http/errors.js';
import { assertCan, type StaffRequest } from '../../platform/http/tenant-route.js';
import type { LineMessage } from '../../platform/line/messages.js';
import { CHANNEL_KINDS } from '../line/channels.service.js';
import { checkMessages, type DeliveryTarget } from '../delivery/delivery.model.js';
import { createDelivery, type DeliveryRow } from '../delivery/delivery.service.js';
import { assertMayTarget } from '../segments/segment-access.js';
import { loadSegment } from '../segments/segments.service.js';
import { formTalkStartData } from '../../contracts/index.js';
import { channelLiffId, formUrls, settingsOf, type FormRow } from './forms.service.js';

/**
 * FORM-6 「セグメントを指定して配信できること」: a draft delivery to a segment (or to every friend)
 * whose message invites residents to the form with a button to its page (through LIFF when the
 * city's channel has one, so the resident is signed in). Staff finish and send it in the
 * delivery composer; the usual rules apply (the delivery feature, the right to create deliveries
 * for the organisation, STAFF-7's segment restrictions).
 */
export const sendBody = z.strictObject({
  /** null or left out: every friend of the channel. */
  segmentId: z.uuid({ error: 'セグメントを選んでください' }).nullable().default(null),
  channel: z
    .enum(CHANNEL_KINDS, { error: '配信チャネルは production か test にしてください' })
    .default('production'),
  /** The delivery's owner; the form's organisation by default. */
  organisationId: z.uuid({ error: '所属を選択してください' }).optional(),
  /** The invitation's text; a sentence naming the form by default. */
  text: z
    .string()
    .trim()
    .min(1, '本文を入力してください')
    .max(1000, '本文は1000文字以内にしてください')
    .optional(),
});

export function invitationMessages(
  title: string,
  url: string,
  text?: string,
  /** FORM-10: the form may be answered in the talk (its code): a second button starts that. */
  talkCode?: string,
): LineMessage[] {
  const body = text ?? `「${title}」へのご回答をお願いします。下のボタンから回答できます。`;
  const buttonText = title.length > 160 ? `${title.slice(0, 159)}…` : title;
  return [
    { type: 'text', text: body },
    {
      type: 'template',
      altText: `${title}（回答はこちら）`.slice(0, 400),
      template: {
        type: 'buttons',
        text: buttonText,
        actions: [
          { type: 'uri', label: '回答する', uri: url },
          ...(talkCode
            ? [
                {
                  type: 'postback',
                  label: 'トークで回答する',
                  data: formTalkStartData(talkCode),
                  displayText: 'トークで回答する',
                },
              ]
            : []),
        ],
      },
    },
  ] as LineMessage[];
}

export async function draftDeliveryForForm(
  ctx: StaffRequest,
  form: FormRow,
  raw: unknown,
  parse: <T extends z.ZodType>(schema: T, body: unknown) => z.infer<T>,
): Promise<DeliveryRow> {
  if (!ctx.features.has('delivery'))
    throw new HttpError(403, 'メッセージ配信を利用する権限がありません', { type: 'urn:tsunagu:forbidden' });
  if (form.status !== 'published' || !form.publishedVersion)
    throw new HttpError(409, '受付中のフォームだけを配信できます。先にフォームを公開してください');
  const body = parse(sendBody, raw);
  const organisationId = body.organisationId ?? form.organisationId;
  assertCan(ctx, 'create', subject('Delivery', { organisationId }), { type: 'delivery', id: null });
  let target: DeliveryTarget = { type: 'all' };
  if (body.segmentId) {
    const seg = await loadSegment(ctx.m, body.segmentId);
    if (!seg)
      throw new HttpError(422, '入力内容を確認してください', {
        errors: [{ path: 'segmentId', message: '配信先のセグメントが見つかりません' }],
      });
    assertMayTarget(ctx.ability, {
      kind: 'segment',
      segment: { id: seg.id, organisationId: seg.organisationId },
    });
    target = { type: 'segment', segmentId: seg.id };
  } else assertMayTarget(ctx.ability, { kind: 'all' });
  // Through the LIFF app of the channel the invitation goes out on: the resident arrives signed in.
  const urls = formUrls(ctx.tenant.slug, await channelLiffId(ctx.m, body.channel), form.code);
  const checked = checkMessages(
    invitationMessages(
      form.title,
      urls.liff ?? urls.resident,
      body.text,
      settingsOf(form).talkMode ? form.code : undefined,
    ),
  );
  if (!checked.ok) throw new HttpError(422, '入力内容を確認してください', { errors: checked.errors });
  const delivery = await createDelivery(
    ctx.m,
    ctx.tenant.id,
    {
      title: `フォーム「${form.title}」のご案内`.slice(0, 200),
      organisationId,
      channel: body.channel,
      target,
      messages: checked.messages,
    },
    {
      type: ctx.actor.type,
      id: ctx.actor.id,
      label: ctx.actor.label,
      staffId: ctx.staff?.id ?? null,
      ip: ctx.ip,
      userAgent: ctx.userAgent,
    },
  );
  await ctx.audit({
    action: 'form.send_draft',
    outcome: 'success',
    targetType: 'form',
    targetId: form.id,
    detail: { deliveryId: delivery.id, segmentId: body.segmentId, channel: body.channel },
  });
  return delivery;
}
