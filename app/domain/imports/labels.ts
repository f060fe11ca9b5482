import type { IMPORT_STATUSES } from '../../../db/enums';

export type ImportStatus = (typeof IMPORT_STATUSES)[number];

export const IMPORT_STATUS_LABELS: Record<ImportStatus, string> = {
  uploaded: 'Waiting for you',
  queued: 'Queued',
  running: 'Importing',
  completed: 'Completed',
  rejected: 'Rejected, nothing imported',
  failed: 'Failed',
};

export const IMPORT_MODE_LABELS = {
  all_or_nothing: 'Import nothing unless every row is valid',
  valid_rows: 'Import the valid rows, and let me download the rejected ones',
} as const;
