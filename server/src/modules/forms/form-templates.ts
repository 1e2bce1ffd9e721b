import type { FormDefinitionInput, FormTemplateKey, FormSettings } from '../../contracts/index.js';

/**
 * Starter content for new forms (POST /api/forms `template`): staff begin from a form a city
 * would actually send and reword it, rather than from an empty page. Codes are chosen so they read
 * well in CSV columns and segment conditions (SEG-8), and stay when labels are reworded.
 */
export interface FormTemplate {
  description: string;
  definition: FormDefinitionInput;
  settings?: Partial<FormSettings>;
}

const FIVE_LEVELS = [
  { code: 'satisfied', label: '満足' },
  { code: 'rather_satisfied', label: 'やや満足' },
  { code: 'neutral', label: 'どちらともいえない' },
  { code: 'rather_dissatisfied', label: 'やや不満' },
  { code: 'dissatisfied', label: '不満' },
];

const AGE_GROUPS = [
  { code: 'u20', label: '20歳未満' },
  { code: '20s', label: '20歳代' },
  { code: '30s', label: '30歳代' },
  { code: '40s', label: '40歳代' },
  { code: '50s', label: '50歳代' },
  { code: '60s', label: '60歳代' },
  { code: '70s', label: '70歳代' },
  { code: 'o80', label: '80歳以上' },
];

const DISTRICTS = [
  { code: 'hokubu', label: '北部地区' },
  { code: 'chubu', label: '中部地区' },
  { code: 'nanbu', label: '南部地区' },
  { code: 'outside', label: '市外' },
];

const BLANK: FormDefinitionInput = {
  schemaVersion: 1,
  pages: [{ code: 'p1', sections: [{ code: 's1', items: [] }] }],
};

const SETTINGS_FORM: FormDefinitionInput = {
  schemaVersion: 1,
  pages: [
    {
      code: 'p1',
      title: 'お知らせの受け取り設定',
      sections: [
        {
          code: 's_about',
          items: [
            {
              type: 'description',
              code: 'intro',
              text: 'お住まいの地区や関心のある分野を登録すると、あなたに合ったお知らせをLINEでお届けします。登録内容はいつでも変更できます。',
            },
            {
              type: 'dropdown',
              code: 'district',
              label: 'お住まいの地区',
              required: true,
              options: DISTRICTS,
            },
            { type: 'singleChoice', code: 'age_group', label: '年代', options: AGE_GROUPS },
            {
              type: 'multipleChoice',
              code: 'topics',
              label: '受け取りたい情報',
              help: '当てはまるものをすべて選んでください',
              required: true,
              options: [
                { code: 'kosodate', label: '子育て・教育' },
                { code: 'kenko', label: '健康・検診' },
                { code: 'fukushi', label: '福祉・介護' },
                { code: 'bosai', label: '防災・防犯' },
                { code: 'gomi', label: 'ごみ・環境' },
                { code: 'event', label: 'イベント・講座' },
                { code: 'shisei', label: '市政・議会' },
              ],
            },
            {
              type: 'singleChoice',
              code: 'has_children',
              label: '中学生以下のお子さまはいますか',
              options: [
                { code: 'yes', label: 'いる' },
                { code: 'no', label: 'いない' },
              ],
            },
          ],
        },
        {
          code: 'children',
          title: 'お子さまの生年月',
          description: '年齢に合わせた健診や手当のお知らせに使います',
          showWhen: { op: 'equals', item: 'has_children', value: 'yes' },
          repeat: { min: 1, max: 5, itemName: 'お子さま' },
          items: [
            { type: 'birthday', code: 'child_birthday', label: '生年月日', required: true, personal: true },
          ],
        },
      ],
    },
  ],
};

const SURVEY: FormDefinitionInput = {
  schemaVersion: 1,
  pages: [
    {
      code: 'p1',
      title: 'アンケート',
      sections: [
        {
          code: 's_main',
          items: [
            {
              type: 'description',
              code: 'intro',
              text: '今後の取り組みの参考にするため、アンケートにご協力ください。回答は5分ほどで終わります。回答内容は統計的に処理し、個人が特定される形で公表することはありません。',
            },
            { type: 'singleChoice', code: 'age_group', label: '年代', required: true, options: AGE_GROUPS },
            { type: 'dropdown', code: 'district', label: 'お住まいの地区', options: DISTRICTS },
            {
              type: 'multipleChoice',
              code: 'how_known',
              label: 'この取り組みを何で知りましたか',
              help: '当てはまるものをすべて選んでください',
              required: true,
              options: [
                { code: 'koho', label: '広報誌' },
                { code: 'web', label: '市のホームページ' },
                { code: 'line', label: 'LINE' },
                { code: 'flyer', label: 'チラシ・ポスター' },
                { code: 'friend', label: '家族・知人から' },
                { code: 'other', label: 'その他' },
              ],
            },
            {
              type: 'shortText',
              code: 'how_known_other',
              label: '「その他」の内容',
              maxLength: 100,
              showWhen: { op: 'in', item: 'how_known', values: ['other'] },
              requiredWhen: { op: 'in', item: 'how_known', values: ['other'] },
            },
            {
              type: 'singleChoice',
              code: 'satisfaction',
              label: '全体としての満足度',
              required: true,
              options: FIVE_LEVELS,
            },
            {
              type: 'longText',
              code: 'opinion',
              label: 'ご意見・ご感想',
              help: '改善してほしい点などがあればお書きください（個人が特定される内容は書かないでください）',
              maxLength: 2000,
            },
          ],
        },
        {
          code: 's_staff',
          title: '職員用',
          staffOnly: true,
          items: [{ type: 'longText', code: 'staff_note', label: '対応メモ', maxLength: 2000 }],
        },
      ],
    },
  ],
};

const POLICIES = [
  ['kosodate', '子育て支援'],
  ['kenko', '健康づくり・医療'],
  ['korei', '高齢者福祉'],
  ['bosai', '防災・防犯'],
  ['kankyo', 'ごみ・環境'],
  ['kotsu', '道路・公共交通'],
  ['kyoiku', '学校教育・文化'],
] as const;

const SATISFACTION: FormDefinitionInput = {
  schemaVersion: 1,
  pages: [
    {
      code: 'p_about',
      title: 'あなたについて',
      sections: [
        {
          code: 's_about',
          items: [
            {
              type: 'description',
              code: 'intro',
              text: '市民の皆さまの満足度を毎年うかがい、まちづくりの評価と改善に役立てています。回答は無記名で、統計的に処理します。',
            },
            { type: 'singleChoice', code: 'age_group', label: '年代', required: true, options: AGE_GROUPS },
            {
              type: 'singleChoice',
              code: 'gender',
              label: '性別',
              options: [
                { code: 'female', label: '女性' },
                { code: 'male', label: '男性' },
                { code: 'other', label: 'その他' },
                { code: 'no_answer', label: '回答しない' },
              ],
            },
            {
              type: 'dropdown',
              code: 'district',
              label: 'お住まいの地区',
              required: true,
              options: DISTRICTS,
            },
            {
              type: 'singleChoice',
              code: 'years_lived',
              label: '市内にお住まいの年数',
              options: [
                { code: 'u1', label: '1年未満' },
                { code: 'y1_5', label: '1年以上5年未満' },
                { code: 'y5_10', label: '5年以上10年未満' },
                { code: 'y10_20', label: '10年以上20年未満' },
                { code: 'o20', label: '20年以上' },
              ],
            },
          ],
        },
      ],
    },
    {
      code: 'p_policies',
      title: '分野ごとの満足度',
      description: 'それぞれの分野について、現在の満足度を選んでください。',
      sections: [
        {
          code: 's_policies',
          items: POLICIES.map(([code, label]) => ({
            type: 'singleChoice' as const,
            code: `sat_${code}`,
            label,
            required: true,
            options: FIVE_LEVELS,
          })),
        },
      ],
    },
    {
      code: 'p_overall',
      title: '全体について',
      sections: [
        {
          code: 's_overall',
          items: [
            {
              type: 'singleChoice',
              code: 'keep_living',
              label: 'これからも市内に住み続けたいと思いますか',
              required: true,
              options: [
                { code: 'yes', label: '住み続けたい' },
                { code: 'rather_yes', label: 'どちらかといえば住み続けたい' },
                { code: 'rather_no', label: 'どちらかといえば移りたい' },
                { code: 'no', label: '移りたい' },
              ],
            },
            {
              type: 'longText',
              code: 'opinion',
              label: '市政へのご意見・ご提案',
              maxLength: 2000,
            },
          ],
        },
      ],
    },
  ],
};

/**
 * FORM-10 パブリックコメント. The opinion comes before the submitter's details: in the LINE talk
 * (会話形式, form-talk.ts) the non-personal part is answered item by item and the personal part
 * (氏名・住所・連絡先) continues on the form's page — it is never asked in the talk.
 */
const PUBLIC_COMMENT: FormDefinitionInput = {
  schemaVersion: 1,
  pages: [
    {
      code: 'p_case',
      title: '意見を提出する案件',
      sections: [
        {
          code: 's_case',
          items: [
            {
              type: 'description',
              code: 'intro',
              label: 'パブリックコメント（意見募集）',
              text: '市が定める計画や条例の案について、市民の皆さまからご意見を募集します。案の内容は市のホームページや情報公開コーナーでご覧いただけます。いただいたご意見と市の考え方は、氏名等の個人情報を除いて公表します。個別の回答はいたしません。',
            },
            {
              type: 'dropdown',
              code: 'case',
              label: '意見を提出する案件',
              required: true,
              options: [{ code: 'plan_2026', label: '〇〇計画（案）' }],
            },
            {
              type: 'singleChoice',
              code: 'submitter_type',
              label: '提出者の区分',
              required: true,
              options: [
                { code: 'resident', label: '市内に住所がある方' },
                { code: 'commuter', label: '市内に通勤・通学している方' },
                { code: 'business', label: '市内に事務所・事業所がある個人・法人' },
                { code: 'stakeholder', label: '案件に利害関係がある方' },
              ],
            },
            {
              type: 'shortText',
              code: 'stake',
              label: '案件との利害関係の内容',
              help: '例：計画区域内で事業を営んでいる',
              required: true,
              maxLength: 200,
              showWhen: { item: 'submitter_type', op: 'equals', value: 'stakeholder' },
            },
          ],
        },
      ],
    },
    {
      code: 'p_opinion',
      title: 'ご意見',
      sections: [
        {
          code: 's_opinion',
          items: [
            {
              type: 'number',
              code: 'page_ref',
              label: '該当するページ',
              help: '案の何ページについてのご意見かを数字でお書きください（全体についてのご意見は空欄）',
              integer: true,
              min: 1,
              max: 9999,
            },
            {
              type: 'shortText',
              code: 'section_ref',
              label: '該当する箇所',
              help: '例：第2章「基本方針」',
              maxLength: 200,
            },
            {
              type: 'longText',
              code: 'opinion',
              label: 'ご意見',
              help: 'ご意見とその理由をお書きください',
              required: true,
              maxLength: 4000,
            },
          ],
        },
      ],
    },
    {
      code: 'p_submitter',
      title: '提出者',
      sections: [
        {
          code: 's_submitter',
          items: [
            {
              type: 'shortText',
              code: 'name',
              label: '氏名（法人の場合は名称と代表者名）',
              required: true,
              personal: true,
              maxLength: 100,
            },
            {
              type: 'postalCode',
              code: 'postal_code',
              label: '郵便番号',
              required: true,
              fillAddress: 'address',
              personal: true,
            },
            { type: 'address', code: 'address', label: '住所（所在地）', required: true, personal: true },
            { type: 'phone', code: 'phone', label: '電話番号', personal: true },
            { type: 'email', code: 'email', label: 'メールアドレス', personal: true },
          ],
        },
        {
          code: 's_staff',
          title: '職員用',
          staffOnly: true,
          items: [
            {
              type: 'singleChoice',
              code: 'reflection',
              label: '意見の反映',
              options: [
                { code: 'adopted', label: '反映する' },
                { code: 'partly', label: '一部反映する' },
                { code: 'included', label: '案に盛り込み済み' },
                { code: 'not_adopted', label: '反映しない' },
                { code: 'reference', label: '参考とする' },
              ],
            },
            { type: 'longText', code: 'city_view', label: '市の考え方', maxLength: 4000 },
          ],
        },
      ],
    },
  ],
};

export const FORM_TEMPLATE_CONTENT: Record<FormTemplateKey, FormTemplate> = {
  blank: { description: '', definition: BLANK },
  settings: {
    description: 'お住まいの地区や関心のある分野を登録していただき、お知らせの配信に使います。',
    definition: SETTINGS_FORM,
    settings: {
      answersPerResident: 'one',
      editableAfterSubmit: true,
      completionMessage: '登録しました。変更はいつでもできます。',
    },
  },
  survey: {
    description: 'アンケートへのご協力をお願いします。',
    definition: SURVEY,
    settings: { completionMessage: 'アンケートにご協力いただき、ありがとうございました。' },
  },
  satisfaction: {
    description: '毎年実施している市民満足度調査です。まちづくりの参考にします。',
    definition: SATISFACTION,
    settings: {
      answersPerResident: 'one',
      completionMessage: 'ご協力ありがとうございました。結果は市のホームページでお知らせします。',
    },
  },
  public_comment: {
    description: '計画や条例の案について、ご意見を募集します。',
    definition: PUBLIC_COMMENT,
    settings: {
      receiptPrefix: 'P',
      talkMode: true,
      completionMessage:
        'ご意見を受け付けました。いただいたご意見と市の考え方は、募集の終了後に市のホームページで公表します。',
    },
  },
};
