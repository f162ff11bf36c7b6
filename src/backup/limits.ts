/** The name and version a backup file declares itself with. */
export const BACKUP_FORMAT = 'keepsake-backup'
export const BACKUP_VERSION = 1

/** The canonical form of a date in a backup file: as Date.prototype.toISOString writes it. */
export const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/
