/** A problem with the whole file (missing, unreadable, a header without a required column): the import stops. */
export class ImportError extends Error {}
