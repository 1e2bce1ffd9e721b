import { describe, expect, it } from 'vitest';
import { schemaError, toProperty } from './errors.js';
import { loadOperations, matchOperation } from './load.js';

describe('schema errors in LINE’s words', () => {
  it('names properties with dots and brackets', () => {
    expect(toProperty('/messages/0/contents/body/contents/1/text')).toBe(
      'messages[0].contents.body.contents[1].text',
    );
    expect(toProperty('/to')).toBe('to');
  });

  it('dispatches on discriminators: a flex component of an unknown type is named precisely', () => {
    const ops = loadOperations();
    const v = matchOperation(ops, 'POST', '/v2/bot/message/broadcast')!.op.validateBody!;
    const body = {
      messages: [
        {
          type: 'flex',
          altText: 'a',
          contents: {
            type: 'bubble',
            body: { type: 'box', layout: 'vertical', contents: [{ type: 'txt' }] },
          },
        },
      ],
    };
    expect(v(body)).toBe(false);
    const err = schemaError(v.errors ?? []);
    expect(err.body.details).toEqual([
      {
        property: 'messages[0].contents.body.contents[0].type',
        message:
          'Must be one of the following values: [box, button, image, video, icon, text, span, separator, filler]',
      },
    ]);
  });

  it('answers a wrong JSON type as LINE’s parser does', () => {
    const ops = loadOperations();
    const v = matchOperation(ops, 'POST', '/v2/bot/message/push')!.op.validateBody!;
    expect(v({ to: 'U', messages: [{ type: 'text', text: 5 }] })).toBe(false);
    expect(schemaError(v.errors ?? []).body).toEqual({
      message: "The property, 'messages[0].text', in the request body is invalid (line: -, column: -)",
    });
  });
});
