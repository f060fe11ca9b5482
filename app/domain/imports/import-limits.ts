/** The largest file accepted: about half a million typical rows. */
export const MAX_IMPORT_BYTES = 50 * 1024 * 1024;
