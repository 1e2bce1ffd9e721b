/** Shapes of the garbage-calendar API (server/src/modules/garbage) as the console reads them (DEL-5). */

export interface CalendarStats {
  collections: number;
  firstDate: string | null;
  lastDate: string | null;
  districts: number;
  items: Array<{ item: string; collections: number; next: string | null }>;
}

export interface Calendar {
  id: string;
  code: string;
  name: string;
  districtItem: string;
  districtItemInfo: { code: string; label: string; kind: string; status: string } | null;
  uploadedAt: string | null;
  createdAt: string;
  updatedAt: string;
  stats?: CalendarStats;
}

/** A choice item of the tenant (district items, the residents' opt-in). */
export interface ChoiceItem {
  code: string;
  label: string;
  kind: 'single' | 'multi' | 'hierarchy';
  status: 'active' | 'archived';
  options: Array<{ code: string; label: string; archived: boolean }>;
}

export interface CalendarList {
  items: Calendar[];
  total: number;
  page: number;
  pageSize: number;
  /** Items that may hold the districts (for those who may create calendars). */
  districtItems: ChoiceItem[];
  can: { manage: boolean };
}

export interface Reminder {
  item: string;
  created: boolean;
  segment: { id: string; name: string } | null;
  delivery: { id: string; title: string; status: string } | null;
}

export interface CalendarDetail extends Calendar {
  stats: CalendarStats;
  reminders: Reminder[];
  choiceItems: ChoiceItem[];
  reminderDefaults: { time: string; template: string; placeholder: string };
  can: { manage: boolean; createReminders: boolean };
}

export interface TableError {
  line: number;
  column: string | null;
  message: string;
}

export interface UploadResult {
  applied: boolean;
  summary: {
    rows: number;
    collections: number;
    firstDate: string | null;
    lastDate: string | null;
    districts: number;
    items: Array<{ item: string; collections: number }>;
    replace: { from: string | null; existing: number; kept: number };
  };
  errors: TableError[];
  deleted?: number;
}

export interface District {
  code: string;
  name: string;
}

export interface Upcoming {
  from: string;
  to: string;
  days: Array<{ date: string; items: Array<{ item: string; districts: District[] }> }>;
  districts: District[];
}
