import { PlatformCore1763769600000 } from './1763769600000-platform-core.js';
import { LineLayer1763856000000 } from './1763856000000-line-layer.js';
import { ResidentSessions1763942400000 } from './1763942400000-resident-sessions.js';
import { LineSendLog1764028800000 } from './1764028800000-line-send-log.js';
import { LineContent1764115200000 } from './1764115200000-line-content.js';
import { RichMenu1764201600000 } from './1764201600000-richmenu.js';
import { AttributesSegments1764288000000 } from './1764288000000-attributes-segments.js';
import { Delivery1764374400000 } from './1764374400000-delivery.js';
import { Mail1764547200000 } from './1764547200000-mail.js';
import { ResidentsList1764633600000 } from './1764633600000-residents-list.js';
import { DeliveryAssets1764720000000 } from './1764720000000-delivery-assets.js';
import { DeliveryResults1764806400000 } from './1764806400000-delivery-results.js';
import { EmailDelivery1764892800000 } from './1764892800000-email-delivery.js';
import { GarbageCalendar1764979200000 } from './1764979200000-garbage-calendar.js';
import { DeliveryAbTest1765065600000 } from './1765065600000-delivery-ab-test.js';
import { Forms1765152000000 } from './1765152000000-forms.js';
import { FormsTalk1765238400000 } from './1765238400000-forms-talk.js';
import { FormsRangeFacets1765324800000 } from './1765324800000-forms-range-facets.js';

/** Every migration, in order. TypeORM records applied ones in `schema_migrations`. */
export const allMigrations = [
  PlatformCore1763769600000,
  LineLayer1763856000000,
  ResidentSessions1763942400000,
  LineSendLog1764028800000,
  LineContent1764115200000,
  RichMenu1764201600000,
  AttributesSegments1764288000000,
  Delivery1764374400000,
  Mail1764547200000,
  ResidentsList1764633600000,
  DeliveryAssets1764720000000,
  DeliveryResults1764806400000,
  EmailDelivery1764892800000,
  GarbageCalendar1764979200000,
  DeliveryAbTest1765065600000,
  Forms1765152000000,
  FormsTalk1765238400000,
  FormsRangeFacets1765324800000,
];
