import { DEVICE_STATES, type DeviceState } from '../fleet-report';
import type { PageDevice } from './page-data';

/**
 * What the page shows of the fleet: filters, sort and page, kept in the URL's hash so a view can
 * be bookmarked or sent (`report.html#state=late&type=qradar`). Pure, so it is tested without a
 * browser; the page only renders what `applyView` returns.
 */

export type StateFilter = 'all' | 'attention' | DeviceState;
export type SortKey = 'state' | 'device' | 'type' | 'age' | 'failures' | 'size' | 'bytes' | 'restore';
export type SortDirection = 'asc' | 'desc';

export interface ViewState {
  /** Device id (or type) contains this, case-insensitive. */
  q: string;
  /** A device type, or '' for all. */
  type: string;
  state: StateFilter;
  /** Only devices whose newest copy is a size drop. */
  drops: boolean;
  sort: SortKey;
  dir: SortDirection;
  /** 1-based. */
  page: number;
  pageSize: number;
}

export const PAGE_SIZES = [50, 100, 250, 500, 1000] as const;
export const SORT_KEYS: readonly SortKey[] = ['state', 'device', 'type', 'age', 'failures', 'size', 'bytes', 'restore'];
const STATE_FILTERS: readonly StateFilter[] = ['all', 'attention', ...DEVICE_STATES];
/** States that need someone to look. */
export const ATTENTION: ReadonlySet<DeviceState> = new Set(['missing', 'failing', 'late']);

export const DEFAULT_VIEW: ViewState = { q: '', type: '', state: 'all', drops: false, sort: 'state', dir: 'asc', page: 1, pageSize: 250 };

export interface ViewResult {
  rows: PageDevice[];
  /** Devices that pass the filters. */
  matched: number;
  /** The page shown (clamped) and how many there are. */
  page: number;
  pages: number;
  /** 0-based index of the first row shown among the matched. */
  offset: number;
}

/** Filters, sorts and pages the devices. */
export function applyView(devices: readonly PageDevice[], view: ViewState): ViewResult {
  const q = view.q.trim().toLowerCase();
  const matched = devices.filter(
    (d) =>
      (view.state === 'all' || (view.state === 'attention' ? ATTENTION.has(d.state) : d.state === view.state)) &&
      (!view.type || d.type === view.type) &&
      (!view.drops || d.sizeDrop !== null) &&
      (!q || d.id.toLowerCase().includes(q) || d.type.toLowerCase().includes(q)),
  );
  const sign = view.dir === 'desc' ? -1 : 1;
  const key = sortValue(view.sort);
  matched.sort((a, b) => sign * compareValues(key(a), key(b)) || DEVICE_STATES.indexOf(a.state) - DEVICE_STATES.indexOf(b.state) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const pages = Math.max(1, Math.ceil(matched.length / view.pageSize));
  const page = Math.min(Math.max(1, view.page), pages);
  const offset = (page - 1) * view.pageSize;
  return { rows: matched.slice(offset, offset + view.pageSize), matched: matched.length, page, pages, offset };
}

type SortValue = number | string;

/** Ascending order is "worst first" where that has a meaning: the oldest backup, the most failures. */
function sortValue(key: SortKey): (d: PageDevice) => SortValue {
  switch (key) {
    case 'state':
      return (d) => DEVICE_STATES.indexOf(d.state);
    case 'device':
      return (d) => d.id;
    case 'type':
      return (d) => d.type;
    case 'age':
      return (d) => -(d.lastGood?.ageHours ?? Number.POSITIVE_INFINITY);
    case 'failures':
      return (d) => -d.failuresThisWeek;
    case 'size':
      return (d) => d.lastGood?.size ?? -1;
    case 'bytes':
      return (d) => -d.bytes;
    case 'restore':
      // Never restored first, then the longest ago.
      return (d) => (d.lastRestore ? Date.parse(d.lastRestore.startedAt) : Number.NEGATIVE_INFINITY);
  }
}

function compareValues(a: SortValue, b: SortValue): number {
  if (typeof a === 'number' && typeof b === 'number') return a === b ? 0 : a < b ? -1 : 1;
  return String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0;
}

/** The view a hash names; anything it does not name, or names wrongly, is the default. */
export function viewFromHash(hash: string): ViewState {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  const view: ViewState = { ...DEFAULT_VIEW };
  view.q = params.get('q') ?? '';
  view.type = params.get('type') ?? '';
  const state = params.get('state') as StateFilter | null;
  if (state && STATE_FILTERS.includes(state)) view.state = state;
  view.drops = params.get('drops') === '1';
  const sort = params.get('sort') as SortKey | null;
  if (sort && SORT_KEYS.includes(sort)) view.sort = sort;
  if (params.get('dir') === 'desc') view.dir = 'desc';
  const page = Number(params.get('page'));
  if (Number.isInteger(page) && page > 0) view.page = page;
  const size = Number(params.get('size'));
  if ((PAGE_SIZES as readonly number[]).includes(size)) view.pageSize = size;
  return view;
}

/** The hash of a view: only what differs from the default. */
export function hashOfView(view: ViewState): string {
  const params = new URLSearchParams();
  if (view.q) params.set('q', view.q);
  if (view.type) params.set('type', view.type);
  if (view.state !== DEFAULT_VIEW.state) params.set('state', view.state);
  if (view.drops) params.set('drops', '1');
  if (view.sort !== DEFAULT_VIEW.sort) params.set('sort', view.sort);
  if (view.dir !== DEFAULT_VIEW.dir) params.set('dir', view.dir);
  if (view.page !== 1) params.set('page', String(view.page));
  if (view.pageSize !== DEFAULT_VIEW.pageSize) params.set('size', String(view.pageSize));
  const text = params.toString();
  return text ? `#${text}` : '';
}
