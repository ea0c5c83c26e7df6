/*
 * purge.h
 *      The periodic retention purge of pstreamd.
 */
#ifndef PSTREAMD_PURGE_H
#define PSTREAMD_PURGE_H

/* Start the purge thread; interval 0 starts nothing. -1 on failure. */
int			purge_start(unsigned int interval_seconds);

/* Stop the purge thread, waiting for a purge that is running. */
void		purge_stop(void);

#endif							/* PSTREAMD_PURGE_H */
