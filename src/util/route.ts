/**
 * The branches a hot command took (`identity`, `none`, `profile` ...). The hot script's code cache
 * (src/hot.ts, src/bin.ts) holds the functions of the runs it was made after; a run down another
 * branch compiles functions it lacks, and its route tells the executable to refresh the cache.
 */
export const route: string[] = [];
