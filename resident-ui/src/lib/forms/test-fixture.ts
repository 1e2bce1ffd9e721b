/**
 * A form for the unit tests of the form page (never imported by the app): an application with a
 * conditional page of children (a repeating section, 1–3 entries, a school question for children
 * of six and older), postal code → address, birthday → age, photos, a place in Kuwana and the
 * other choice types.
 */
import { compileForm, type CompiledForm, type FormDefinitionInput } from '@tsunagu/server/contracts';

export const definition: FormDefinitionInput = {
  schemaVersion: 1,
  pages: [
    {
      code: 'about',
      title: 'ご本人について',
      sections: [
        {
          code: 'person',
          title: '',
          items: [
            { type: 'shortText', code: 'name', label: '氏名', required: true, maxLength: 50 },
            { type: 'birthday', code: 'birth', label: '生年月日', required: true },
            { type: 'phone', code: 'tel', label: '電話番号' },
            { type: 'postalCode', code: 'zip', label: '郵便番号', fillAddress: 'home' },
            { type: 'address', code: 'home', label: '住所', required: true },
            {
              type: 'singleChoice',
              code: 'has_children',
              label: 'お子さまはいますか',
              required: true,
              options: [
                { code: 'yes', label: 'いる' },
                { code: 'no', label: 'いない' },
              ],
            },
          ],
        },
      ],
    },
    {
      code: 'family',
      title: 'お子さまについて',
      showWhen: { op: 'equals', item: 'has_children', value: 'yes' },
      sections: [
        {
          code: 'kids',
          title: 'お子さま',
          repeat: { min: 1, max: 3, itemName: 'お子さま' },
          items: [
            { type: 'shortText', code: 'kid_name', label: '氏名', required: true },
            { type: 'birthday', code: 'kid_birth', label: '生年月日', required: true },
            {
              type: 'singleChoice',
              code: 'kid_school',
              label: '通っている学校',
              showWhen: { op: 'gte', item: 'kid_birth', value: 6 },
              options: [
                { code: 'elementary', label: '小学校' },
                { code: 'junior', label: '中学校' },
              ],
            },
          ],
        },
      ],
    },
    {
      code: 'more',
      title: 'そのほか',
      sections: [
        {
          code: 'extra',
          items: [
            { type: 'description', code: 'note', text: '分かる範囲でご記入ください。' },
            {
              type: 'file',
              code: 'photos',
              label: '写真',
              accept: ['image'],
              maxFiles: 2,
              maxSizeMb: 5,
            },
            {
              type: 'location',
              code: 'place',
              label: '場所',
              geofence: { kind: 'circle', center: { lat: 35.0656, lng: 136.6838 }, radiusM: 5000 },
              outsideMessage: '桑名市内の場所を選んでください',
            },
            {
              type: 'dropdown',
              code: 'how',
              label: '知ったきっかけ',
              options: [
                { code: 'line', label: 'LINE' },
                { code: 'paper', label: '広報紙' },
              ],
            },
            {
              type: 'multipleChoice',
              code: 'topics',
              label: '関心のあること',
              maxSelect: 2,
              options: [
                { code: 'health', label: '健康' },
                { code: 'kids', label: '子育て' },
                { code: 'bus', label: 'バス' },
              ],
            },
            {
              type: 'hierarchyChoice',
              code: 'area',
              label: '地区',
              options: [
                {
                  code: 'north',
                  label: '北部',
                  children: [
                    { code: 'n1', label: '大山田' },
                    { code: 'n2', label: '星見ヶ丘' },
                  ],
                },
              ],
            },
            { type: 'number', code: 'people', label: '人数', min: 1, max: 10, unit: '人' },
            { type: 'longText', code: 'opinion', label: 'ご意見', maxLength: 400 },
          ],
        },
      ],
    },
  ],
};

export function testForm(version = 1, def: FormDefinitionInput = definition): CompiledForm {
  return compileForm(def, version);
}

/** 2026-05-01 10:00 in Japan. */
export const NOW = new Date('2026-05-01T01:00:00Z');
